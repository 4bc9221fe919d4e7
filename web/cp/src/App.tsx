import { Navigate, Route, Routes } from "react-router";
import { Layout, RequireAuth } from "@shared/layout.tsx";
import { SignIn } from "@shared/signin.tsx";
import { APP } from "./api.ts";
import { AgentProfilePage } from "./pages/AgentProfile.tsx";
import { MarketplacePage } from "./pages/Marketplace.tsx";
import { NotFound } from "./pages/NotFound.tsx";
import { TrialDashboardPage } from "./pages/TrialDashboard.tsx";
import { TrialsPage } from "./pages/Trials.tsx";

const NAV = [
  { to: "/marketplace", label: "Marketplace" },
  { to: "/trials", label: "My trials" },
];

export function App() {
  return (
    <Routes>
      <Route element={<Layout app={APP} nav={NAV} />}>
        <Route path="/" element={<Navigate to="/marketplace" replace />} />
        <Route path="/signin" element={<SignIn app={APP} command="waooaw token -r customer -s you@example.com" home="/marketplace" />} />
        <Route path="/marketplace" element={<MarketplacePage />} />
        <Route path="/marketplace/agents/:agentId" element={<AgentProfilePage />} />
        <Route element={<RequireAuth />}>
          <Route path="/trials" element={<TrialsPage />} />
          <Route path="/trials/:trialId/dashboard" element={<TrialDashboardPage />} />
        </Route>
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
