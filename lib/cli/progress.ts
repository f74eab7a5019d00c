// A one-line progress bar on a terminal: redrawn in place at most every 50 ms, erased when done.

export function progressBar(stream: NodeJS.WritableStream & { columns?: number }, label: string): { update: (done: number, total: number) => void; done: () => void } {
  let last = 0;
  let drawn = false;
  const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 24));
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 50 && done < total) return;
      last = now;
      const f = total > 0 ? Math.min(1, done / total) : 0;
      const fill = Math.round(f * width);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)}% ${mib(done)}/${mib(total)} MiB`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
