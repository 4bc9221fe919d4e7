// Must NOT compile: a path parameter of the wrong type.
import createClient from "openapi-fetch";
import type { paths } from "../../waooaw/generated/plant/plant-api.generated";

const plant = createClient<paths>({ baseUrl: "http://localhost:8000" });
await plant.GET("/api/v1/agents/{agent_id}", { params: { path: { agent_id: 42 } } });
