// One Idempotency-Key per distinct request body: resubmitting the same form after a
// failure (network, 5xx) reuses the key, so the server creates the resource at most once;
// changing the form gets a new key (reusing one with another body is a 422).
import { useRef } from "react";

export function useIdempotencyKey(): (body: unknown) => string {
  const last = useRef<{ body: string; key: string } | null>(null);
  return (body: unknown) => {
    const text = JSON.stringify(body);
    if (last.current?.body !== text) last.current = { body: text, key: crypto.randomUUID() };
    return last.current.key;
  };
}
