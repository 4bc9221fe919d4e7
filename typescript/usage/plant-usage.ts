// Every Plant operation through openapi-fetch, typed by the generated types.
// Compiled with `tsc --noEmit --strict` in CI; it is never run.
import createClient from "openapi-fetch";
import type {
    AgentCreate,
    AgentResponse,
    AuditReportResponse,
    paths,
    ProblemDetails,
    SkillResponse,
} from "../../waooaw/generated/plant/plant-api.generated";

const plant = createClient<paths>({ baseUrl: "http://localhost:8000" });
const id = "5fad4a6b-7c8e-4f9a-8b12-b3c4d5e6f708";

export async function everyOperation(): Promise<void> {
    const health = await plant.GET("/health");
    if (health.data) {
        const status: "ok" = health.data.status;
        void status;
    }
    await plant.GET("/ready");

    const industries = await plant.GET("/api/v1/genesis/industries", { params: { query: { limit: 10 } } });
    const firstIndustry: string | undefined = industries.data?.items[0]?.id;
    void firstIndustry;

    const created = await plant.POST("/api/v1/genesis/skills", {
        body: { name: "Python 3.11", category: "technical", description: "Writes Python." },
        params: { header: { "Idempotency-Key": "k-1", "X-Correlation-ID": "abc" } },
    });
    if (created.error) {
        const problem: ProblemDetails = created.error;
        console.log(problem.status, problem.detail, problem.violations?.[0]?.rule);
    } else {
        const skill: SkillResponse = created.data;
        const pending: "pending_certification" | "certified" | "rejected" = skill.status;
        void pending;
    }
    await plant.GET("/api/v1/genesis/skills", {
        params: { query: { status: "certified", category: "technical", limit: 20, cursor: "abc" } },
    });
    await plant.GET("/api/v1/genesis/skills/{skill_id}", { params: { path: { skill_id: id } } });
    await plant.POST("/api/v1/genesis/skills/{skill_id}/certify", {
        params: { path: { skill_id: id } },
        body: { certified_by: "genesis" },
    });
    await plant.POST("/api/v1/genesis/job-roles", {
        body: {
            name: "Content Writer",
            description: "Writes content.",
            industry_id: id,
            required_skills: [id],
            seniority: "mid",
        },
    });
    await plant.GET("/api/v1/genesis/job-roles", { params: { query: { status: "pending_certification", industry_id: id } } });
    await plant.GET("/api/v1/genesis/job-roles/{job_role_id}", { params: { path: { job_role_id: id } } });
    await plant.POST("/api/v1/genesis/job-roles/{job_role_id}/certify", { params: { path: { job_role_id: id } } });

    const body: AgentCreate = {
        name: "Email Marketing Agent",
        industry_id: id,
        job_role_id: id,
        skills: [id],
        governance_agent_id: "genesis",
    };
    const agent = await plant.POST("/api/v1/agents", { body });
    if (agent.data) {
        const created: AgentResponse = agent.data;
        const hash: string = created.version_hash;
        const history = created.amendment_history.map((a) => a.event);
        const principles = created.constitutional_alignment.principles.filter((p) => !p.passed);
        console.log(hash, history, principles, created.team_id === null);
    }
    await plant.GET("/api/v1/agents", { params: { query: { industry_id: id, job_role_id: id, status: "active", limit: 5 } } });
    await plant.GET("/api/v1/agents/{agent_id}", { params: { path: { agent_id: id } } });
    await plant.POST("/api/v1/agents/{agent_id}/assign-team", {
        params: { path: { agent_id: id } },
        body: { team_id: id, role: "writer", assigned_by: "alice" },
    });

    const report = await plant.POST("/api/v1/audit/run", { body: { entity_type: "agent" } });
    if (report.data) {
        const audit: AuditReportResponse = report.data;
        console.log(audit.overall_score, audit.by_principle.map((p) => [p.principle_id, p.status]));
    }
    await plant.GET("/api/v1/audit/tampering/{entity_id}", { params: { path: { entity_id: id } } });
    await plant.GET("/api/v1/audit/export", {
        params: { query: { format: "jsonl", since: "2026-01-01T00:00:00Z", entity_type: "skill" } },
        parseAs: "text",
    });
}
