/**
 * Latency samples and their percentiles, for what the stress tests print: they assert only bounds that catch
 * pathologies, since speed belongs to the benchmarks.
 */
export class Latencies {
  private readonly samples: number[] = [];

  constructor(readonly name: string) {}

  get count(): number {
    return this.samples.length;
  }

  add(ms: number): void {
    this.samples.push(ms);
  }

  /** Nearest-rank percentile, in ms (0 when there is no sample). */
  percentile(p: number): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  }

  get max(): number {
    return this.percentile(100);
  }

  toString(): string {
    const ms = (p: number) => `${this.percentile(p).toFixed(1)} ms`;
    return `${this.name}: ${this.count} samples, p50 ${ms(50)}, p99 ${ms(99)}, max ${ms(100)}`;
  }
}
