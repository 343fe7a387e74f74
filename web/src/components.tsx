import type { ReactNode } from "react";

/** An error for the buyer, announced by screen readers as it appears. */
export function ErrorNote({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="error">
      {children}
    </p>
  );
}
