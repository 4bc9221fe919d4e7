// Must NOT compile: a value outside the enum.
import createClient from "openapi-fetch";
import type { paths } from "../../waooaw/generated/plant/plant-api.generated";

const plant = createClient<paths>({ baseUrl: "http://localhost:8000" });
await plant.GET("/api/v1/genesis/skills", { params: { query: { status: "dancing" } } });
