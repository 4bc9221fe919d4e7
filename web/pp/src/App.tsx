import { Navigate, Route, Routes } from "react-router";
import { Layout, RequireAuth } from "@shared/layout.tsx";
import { SignIn } from "@shared/signin.tsx";
import { APP } from "./api.ts";
import { AgentDetailPage } from "./pages/AgentDetail.tsx";
import { AgentFormPage } from "./pages/AgentForm.tsx";
import { AgentsPage } from "./pages/Agents.tsx";
import { AuditPage } from "./pages/Audit.tsx";
import { GatewayPage } from "./pages/Gateway.tsx";
import { JobRoleFormPage, JobRolesPage } from "./pages/JobRoles.tsx";
import { NotFound } from "./pages/NotFound.tsx";
import { SkillDetailPage, SkillFormPage, SkillsPage } from "./pages/Skills.tsx";

const NAV = [
  { to: "/admin/genesis/skills", label: "Skills" },
  { to: "/admin/genesis/job-roles", label: "Job roles" },
  { to: "/admin/agents", label: "Agents" },
  { to: "/admin/audit", label: "Audit" },
  { to: "/admin/gateway", label: "Gateway" },
];

export function App() {
  return (
    <Routes>
      <Route element={<Layout app={APP} nav={NAV} />}>
        <Route path="/signin" element={<SignIn app={APP} command="waooaw token -r genesis -r governor -r viewer -s you@example.com" home="/admin/genesis/skills" />} />
        <Route element={<RequireAuth />}>
          <Route path="/" element={<Navigate to="/admin/genesis/skills" replace />} />
          <Route path="/admin" element={<Navigate to="/admin/genesis/skills" replace />} />
          <Route path="/admin/genesis/skills" element={<SkillsPage />} />
          <Route path="/admin/genesis/skills/new" element={<SkillFormPage />} />
          <Route path="/admin/genesis/skills/:skillId" element={<SkillDetailPage />} />
          <Route path="/admin/genesis/job-roles" element={<JobRolesPage />} />
          <Route path="/admin/genesis/job-roles/new" element={<JobRoleFormPage />} />
          <Route path="/admin/agents" element={<AgentsPage />} />
          <Route path="/admin/agents/new" element={<AgentFormPage />} />
          <Route path="/admin/agents/:agentId" element={<AgentDetailPage />} />
          <Route path="/admin/audit" element={<AuditPage />} />
          <Route path="/admin/gateway" element={<GatewayPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Route>
    </Routes>
  );
}
