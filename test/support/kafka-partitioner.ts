/**
 * Kafka's default partitioner hash (murmur2 of the key bytes, sign bit dropped, modulo the partition
 * count): what librdkafka's `murmur2_random` and the Java client compute. Used by tests to show how
 * keys spread and where a keyed message must land; the producer leaves partitioning to librdkafka.
 */
export function murmur2Partition(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/** Kafka's murmur2 (seed 0x9747b28c) as a signed 32-bit integer, as the Java client returns it. */
export function murmur2(data: Buffer): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (seed ^ data.length) | 0;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= (data[whole + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[whole + 1] ?? 0) << 8;
  if (rest >= 1) {
    h ^= data[whole] ?? 0;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
