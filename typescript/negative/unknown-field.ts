// Must NOT compile: a field the contract does not have.
import createClient from "openapi-fetch";
import type { paths } from "../../waooaw/generated/plant/plant-api.generated";

const plant = createClient<paths>({ baseUrl: "http://localhost:8000" });
await plant.POST("/api/v1/genesis/skills", {
    body: { name: "x", category: "technical", description: "d", is_admin: true },
});
