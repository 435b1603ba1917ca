// Common words only: not reported without a distinctive legacy name in the same file.
export function start(timer) {
  timer.start();
}
export const onError = (e) => console.error(e);
