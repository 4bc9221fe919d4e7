import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { BarChart, DonutChart } from "./charts.tsx";
import { MultiSelect } from "./multiselect.tsx";
import { ApiError } from "./problem.ts";
import { Badge, Field, ProblemAlert, initials } from "./ui.tsx";

const OPTIONS = [
  { value: "1", label: "Email Copywriting" },
  { value: "2", label: "A/B Testing" },
  { value: "3", label: "Analytics" },
];

function Harness({ start = [] as string[] }) {
  const [selected, setSelected] = useState<string[]>(start);
  return (
    <>
      <label htmlFor="skills">Skills</label>
      <MultiSelect id="skills" label="Skills" options={OPTIONS} selected={selected} onChange={setSelected} />
      <output data-testid="value">{selected.join(",")}</output>
    </>
  );
}

describe("typeahead multi-select", () => {
  it("filters as you type and picks with the keyboard", async () => {
    render(<Harness />);
    const box = screen.getByRole("combobox", { name: "Skills" });
    await userEvent.type(box, "an");
    const list = screen.getByRole("listbox", { name: "Skills" });
    expect(within(list).getAllByRole("option").map((o) => o.textContent)).toEqual(["Analytics"]);
    await userEvent.keyboard("{Enter}");
    expect(screen.getByTestId("value")).toHaveTextContent("3");
    expect(box).toHaveValue("");
    await userEvent.keyboard("{ArrowDown}{ArrowDown}");
    expect(box.getAttribute("aria-activedescendant")).toMatch(/-1$/);
    await userEvent.keyboard("{Enter}");
    expect(screen.getByTestId("value")).toHaveTextContent("3,2");
  });

  it("removes picks with their buttons and with Backspace", async () => {
    render(<Harness start={["1", "2"]} />);
    await userEvent.click(screen.getByRole("button", { name: "Remove Email Copywriting" }));
    expect(screen.getByTestId("value")).toHaveTextContent(/^2$/);
    await userEvent.click(screen.getByRole("combobox", { name: "Skills" }));
    await userEvent.keyboard("{Backspace}");
    expect(screen.getByTestId("value")).toHaveTextContent(/^$/);
  });

  it("says when nothing matches", async () => {
    render(<Harness />);
    await userEvent.type(screen.getByRole("combobox", { name: "Skills" }), "zzz");
    expect(screen.getByText("No matches")).toBeInTheDocument();
  });
});

describe("charts", () => {
  it("a donut is an image with a title, a description and a data table", () => {
    render(
      <DonutChart
        title="Entities"
        slices={[
          { label: "Compliant", value: 9, color: "#0f0" },
          { label: "Non-compliant", value: 2, color: "#f00" },
        ]}
      />,
    );
    const img = screen.getByRole("img", { name: /Entities/ });
    expect(img).toHaveAccessibleName("Entities Compliant: 9 of 11; Non-compliant: 2 of 11");
    expect(img.querySelectorAll("circle")).toHaveLength(3);
    const table = screen.getByRole("table", { hidden: true });
    expect(within(table).getByRole("rowheader", { name: "Non-compliant", hidden: true }).nextSibling).toHaveTextContent("2");
  });

  it("bars scale to the largest value, and an empty chart says so", () => {
    const { container, rerender } = render(
      <BarChart
        title="Failures"
        bars={[
          { label: "L0-01", value: 0, color: "#0f0" },
          { label: "L0-03", value: 4, color: "#f00" },
          { label: "L0-04", value: 2, color: "#f00" },
        ]}
      />,
    );
    const widths = [...container.querySelectorAll("rect")].map((r) => Number(r.getAttribute("width")));
    expect(widths[0]).toBe(0);
    expect(widths[1]).toBeCloseTo(2 * widths[2]!);
    rerender(<BarChart title="Failures" bars={[]} />);
    expect(screen.getByRole("img")).toHaveAccessibleName("Failures no data");
  });
});

describe("problems and fields", () => {
  const error = new ApiError({
    type: "about:blank",
    title: "Conflict",
    status: 409,
    detail: "you already have a trial of this agent",
    correlation_id: "abc-123",
    violations: [{ rule: "L0-05", message: "no audit entry" }],
  });

  it("shows the detail, the violations and the correlation id", () => {
    render(<ProblemAlert error={error} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Conflict (409)");
    expect(alert).toHaveTextContent("you already have a trial of this agent");
    expect(alert).toHaveTextContent("L0-05: no audit entry");
    expect(within(alert).getByTestId("correlation-id")).toHaveTextContent("abc-123");
  });

  it("links to sign-in on a 401", () => {
    render(<ProblemAlert error={new ApiError({ type: "x", title: "Unauthorized", status: 401, detail: "token expired" })} />);
    expect(screen.getByRole("link", { name: "sign in again" })).toHaveAttribute("href", "/signin");
  });

  it("a field with violations is invalid and described by them", () => {
    render(
      <Field label="Skills" hint="Certified only" errors={[{ rule: "L0-04", field: "body.skills", message: "missing" }]}>
        {(p) => <input {...p} />}
      </Field>,
    );
    const input = screen.getByLabelText("Skills");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("Certified only L0-04 missing");
  });

  it("badges carry words, not only colour", () => {
    render(<Badge tone="warn">Pending certification</Badge>);
    expect(screen.getByText(/Pending certification/)).toHaveClass("badge-warn");
    expect(initials("Email Marketing Agent")).toBe("EM");
    expect(initials("solo")).toBe("S");
  });
});
