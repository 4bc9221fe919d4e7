import { Link } from "react-router";
import { Page } from "@shared/layout.tsx";
import { APP } from "../api.ts";

export function NotFound() {
  return (
    <Page title="Page not found" app={APP}>
      <p>
        There is no page here. Go to the <Link to="/admin/genesis/skills">skills</Link> or the{" "}
        <Link to="/admin/agents">agents</Link>.
      </p>
    </Page>
  );
}
