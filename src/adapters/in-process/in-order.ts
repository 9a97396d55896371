/**
 * Puts `value` under the key `to` in the place the key `from` has in the
 * map's order (a Map keeps insertion order, and cannot change a key in
 * place): the map is rebuilt, in time linear in its size, when the keys
 * differ. For renames, which are rare beside what reads the order.
 */
export function replaceInOrder<V>(map: Map<string, V>, from: string, to: string, value: V): void {
  if (from === to || !map.has(from)) {
    map.set(to, value);
    return;
  }
  const entries = [...map];
  map.clear();
  for (const [key, kept] of entries) map.set(key === from ? to : key, key === from ? value : kept);
}
