// Prometheus metrics of one server, in its own registry (several servers in one process, as in
// tests, do not collide). Queue depth and the scheduler's own counters come from model.stats()
// when the model has it; otherwise the depth is this server's requests still waiting for a first token.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { ServedModel } from './served.js';

type Stats = Record<string, unknown>;

function statsOf(s: ServedModel): Stats | undefined {
  const fn = (s.model as unknown as { stats?: () => unknown }).stats;
  if (typeof fn !== 'function') return undefined;
  try {
    const v = fn.call(s.model);
    return v && typeof v === 'object' ? (v as Stats) : undefined;
  } catch {
    return undefined;
  }
}

const QUEUE_KEYS = ['queuedRequests', 'queueDepth', 'queued'];

/**
 * Tokens in the last `windowS` seconds, per model, for a rate that reflects now rather than since
 * start: one [second, count] bucket per second, old ones dropped on every add, so the memory is
 * bounded whether or not anything scrapes /metrics.
 */
export class RecentRate {
  private readonly buckets = new Map<string, number[]>();
  constructor(private readonly windowS = 10) {}
  add(model: string, n = 1): void {
    const sec = Math.floor(performance.now() / 1000);
    let b = this.buckets.get(model);
    if (!b) this.buckets.set(model, (b = []));
    if (b.length > 0 && b[b.length - 2] === sec) b[b.length - 1] += n;
    else {
      this.trim(b, sec);
      b.push(sec, n);
    }
  }
  rate(model: string): number {
    const b = this.buckets.get(model) ?? [];
    this.trim(b, Math.floor(performance.now() / 1000));
    let sum = 0;
    for (let j = 1; j < b.length; j += 2) sum += b[j];
    return sum / this.windowS;
  }
  /** Numbers held for a model (two per bucket). */
  size(model: string): number {
    return this.buckets.get(model)?.length ?? 0;
  }
  private trim(b: number[], now: number): void {
    const since = now - this.windowS;
    let i = 0;
    while (i < b.length && b[i] < since) i += 2;
    b.splice(0, i);
  }
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'status'>;
  readonly generated: Counter<'model'>;
  readonly promptTokens: Counter<'model'>;
  readonly ttft: Histogram<'model'>;
  readonly latency: Histogram<'route'>;
  readonly waitingFirstToken = new Map<string, number>();
  readonly active = new Map<string, number>();
  private readonly recent = new RecentRate();

  constructor(models: () => ServedModel[]) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'attnscan_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers });
    this.generated = new Counter({ name: 'attnscan_generated_tokens_total', help: 'Tokens generated', labelNames: ['model'], registers });
    this.promptTokens = new Counter({ name: 'attnscan_prompt_tokens_total', help: 'Prompt tokens processed', labelNames: ['model'], registers });
    this.ttft = new Histogram({
      name: 'attnscan_time_to_first_token_seconds',
      help: 'Time from request to the first generated token',
      labelNames: ['model'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.latency = new Histogram({
      name: 'attnscan_request_duration_seconds',
      help: 'Request latency, to the last byte',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    const recent = this.recent;
    const waiting = this.waitingFirstToken;
    const active = this.active;
    new Gauge({
      name: 'attnscan_tokens_per_second',
      help: 'Generated tokens per second over the last 10 s',
      labelNames: ['model'],
      registers,
      collect() {
        for (const s of models()) this.set({ model: s.name }, recent.rate(s.name));
      },
    });
    new Gauge({
      name: 'attnscan_queue_depth',
      help: "Requests waiting to run: the model scheduler's queue when it reports one, else requests still waiting for a first token",
      labelNames: ['model'],
      registers,
      collect() {
        for (const s of models()) {
          const st = statsOf(s);
          const key = st && QUEUE_KEYS.find((k) => typeof st[k] === 'number');
          this.set({ model: s.name }, key ? (st![key] as number) : (waiting.get(s.name) ?? 0));
        }
      },
    });
    new Gauge({
      name: 'attnscan_active_requests',
      help: 'Requests in flight on each model',
      labelNames: ['model'],
      registers,
      collect() {
        for (const s of models()) this.set({ model: s.name }, active.get(s.name) ?? 0);
      },
    });
    new Gauge({
      name: 'attnscan_scheduler',
      help: 'Numeric fields of model.stats() (the in-model scheduler), by name',
      labelNames: ['model', 'stat'],
      registers,
      collect() {
        this.reset();
        for (const s of models()) {
          for (const [k, v] of Object.entries(statsOf(s) ?? {})) if (typeof v === 'number' && Number.isFinite(v)) this.set({ model: s.name, stat: k }, v);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'attnscan_' });
  }

  tokenGenerated(model: string): void {
    this.generated.inc({ model });
    this.recent.add(model);
  }

  bump(map: Map<string, number>, model: string, by: number): void {
    map.set(model, (map.get(model) ?? 0) + by);
  }
}
