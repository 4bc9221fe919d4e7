// Must NOT compile: governance_agent_id (L0-01) is required.
import type { AgentCreate } from "../../waooaw/generated/plant/plant-api.generated";

export const agent: AgentCreate = {
    name: "x",
    industry_id: "i",
    job_role_id: "j",
    skills: ["s"],
};
