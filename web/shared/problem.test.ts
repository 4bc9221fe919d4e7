import { describe, expect, it } from "vitest";
import { ApiError, networkProblem, problemFrom, splitViolations, violationField, type Problem } from "./problem.ts";

const problem: Problem = {
  type: "https://waooaw.com/errors/constitutional-alignment",
  title: "Constitutional Alignment Error",
  status: 422,
  detail: "L0-04 Agent Specialization: skills missing",
  correlation_id: "c1",
  violations: [
    { rule: "L0-04", field: "body.skills", message: "skills missing" },
    { rule: "L0-01", field: "body.governance_agent_id", message: "unknown governor" },
    { rule: "validation", field: "body.skills[2]", message: "not a UUID" },
    { rule: "L0-05", field: null, message: "no audit entry" },
    { rule: "validation", field: "query.limit", message: "too big" },
  ],
};

describe("violations", () => {
  it("names the form field a violation is about", () => {
    expect(violationField({ rule: "x", field: "body.skills.0", message: "" })).toBe("skills");
    expect(violationField({ rule: "x", field: "body.skills[0]", message: "" })).toBe("skills");
    expect(violationField({ rule: "x", field: "name", message: "" })).toBe("name");
    expect(violationField({ rule: "x", field: "body", message: "" })).toBeNull();
    expect(violationField({ rule: "x", message: "" })).toBeNull();
  });

  it("groups violations by the form's fields and keeps the rest apart", () => {
    const { byField, other } = splitViolations(problem, ["skills", "governance_agent_id", "name"]);
    expect(byField.skills?.map((v) => v.rule)).toEqual(["L0-04", "validation"]);
    expect(byField.governance_agent_id?.[0]?.rule).toBe("L0-01");
    expect(byField.name).toBeUndefined();
    expect(other.map((v) => v.rule)).toEqual(["L0-05", "validation"]);
    expect(splitViolations(null, ["x"])).toEqual({ byField: {}, other: [] });
  });
});

describe("problems from responses", () => {
  it("keeps a problem body and fills the correlation id from the header", () => {
    const { correlation_id: _, ...withoutId } = problem;
    const response = new Response(null, { status: 422, headers: { "X-Correlation-ID": "from-header" } });
    expect(problemFrom(response, withoutId).correlation_id).toBe("from-header");
    expect(problemFrom(response, problem).correlation_id).toBe("c1");
  });

  it("makes a problem of a body that is not one (a proxy's text page)", () => {
    const response = new Response(null, { status: 502, statusText: "Bad Gateway", headers: { "X-Correlation-ID": "cid" } });
    const p = problemFrom(response, "upstream went away");
    expect(p).toMatchObject({ status: 502, title: "Bad Gateway", detail: "upstream went away", correlation_id: "cid" });
    expect(problemFrom(new Response(null, { status: 500 }), undefined).detail).toMatch(/without a problem body/);
  });

  it("reports a network failure with what to do", () => {
    const error = new ApiError(networkProblem(new TypeError("Failed to fetch")));
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/could not be reached \(Failed to fetch\)/);
  });
});
