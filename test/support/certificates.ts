import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly pem: string;
  readonly fingerprint: string;
}

/** A fresh self-signed certificate for localhost, made with openssl. */
export function selfSignedCertificate(commonName = "localhost"): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "chat-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
      .concat(["-keyout", keyFile, "-out", certFile, "-subj", `/CN=${commonName}`, "-addext", `subjectAltName=DNS:${commonName},IP:127.0.0.1`]),
    { stdio: "ignore" },
  );
  const pem = readFileSync(certFile, "utf8");
  return { certFile, keyFile, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}
