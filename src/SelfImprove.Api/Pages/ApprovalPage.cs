using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SelfImprove.Core;
using SelfImprove.Runs;
using SelfImprove.Steps;
using static SelfImprove.Api.Pages.HtmlPage;

namespace SelfImprove.Api.Pages;

/// <summary>
/// The approval page's HTML: the evidence (run, agent, deadline; goal metric of serving and candidate; per-intent F1
/// change as a chart; the largest confusion changes; the alignment gate's figures; what the candidate was trained on;
/// the run's LLM usage) and the form that decides, which posts <c>application/x-www-form-urlencoded</c> back to the
/// same link with the hash of the evidence it showed (<see cref="ApprovalForm.EvidenceField"/>).
/// </summary>
public static class ApprovalPage
{
    /// <summary>Largest confusion changes shown.</summary>
    public const int ConfusionRows = 8;

    /// <param name="escalation">When the request was escalated (half the timeout passed without a decision); not part of the evidence.</param>
    public static HtmlPage Render(RunSnapshot run, ApprovalEvidence evidence, string formAction, ApprovalEscalation? escalation = null)
    {
        var page = new HtmlPage($"Approve run {run.RunId}?");
        var metric = evidence.Goal.Metric.ToWire();
        page.Paragraph($"Agent '{evidence.AgentId}' trained candidate {evidence.CandidateVersionId ?? "(none)"} to replace the serving version " +
                       $"{evidence.Serving?.VersionId ?? "(none)"}. Approve to send it to its trial on live traffic; reject to keep the serving version.");
        page.Table("The run", ["", ""],
        [
            [Cell("Run"), Cell(run.RunId)],
            [Cell("Agent"), Cell(evidence.AgentId)],
            [Cell("Decide before (UTC)"), Cell(evidence.ExpiresAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") ?? "–")],
            [Cell("Escalated (UTC)"), Cell(escalation is null ? "not yet (at half the approval time without a decision)"
                : escalation.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") + (escalation.NotifiedTarget is { } t ? $", also to '{t}'" : ""))],
            [Cell("Candidate"), Cell(evidence.CandidateVersionId)],
            [Cell("Candidate model SHA-256"), Cell(evidence.CandidateArtifactSha256)],
            [Cell("Serving version"), Cell(evidence.Serving?.VersionId)],
        ]);

        page.Heading("Goal metric");
        var serving = evidence.Serving?.Evaluation;
        var candidate = evidence.Candidate?.Evaluation;
        page.Table($"{metric} (target {evidence.Goal.Target:0.00}) on the held-out evaluation set", ["", "serving", "candidate", "change"],
        [
            Row("before the drift point (the run's measure)", evidence.Metrics?.BeforeDrift, null),
            Row("after the drift point (the run's measure)", evidence.Metrics?.AfterDrift, evidence.Metrics?.Candidate),
            Row("whole evaluation set", serving?.Overall.Metric(evidence.Goal.Metric), candidate?.Overall.Metric(evidence.Goal.Metric)),
            Row("accuracy", serving?.Overall.Accuracy, candidate?.Overall.Accuracy),
            Row("macro F1", serving?.Overall.MacroF1, candidate?.Overall.MacroF1),
        ]);

        page.Heading("What changes for users");
        if (evidence.AnswerChanges is { } changed)
        {
            page.Table($"Both versions on the same {changed.On}", ["", "serving", "candidate", "change"],
            [
                [Cell("right answers"), Number(changed.ServingCorrect, "0"), Number(changed.CandidateCorrect, "0"), Change(changed.CandidateCorrect - changed.ServingCorrect, "+0;−0;0")],
                [Cell("accuracy"), Number(Share(changed.ServingCorrect, changed.Requests)), Number(Share(changed.CandidateCorrect, changed.Requests)),
                    Change(Share(changed.CandidateCorrect, changed.Requests) - Share(changed.ServingCorrect, changed.Requests))],
            ]);
            page.Paragraph($"Of {changed.Requests} requests the candidate answers {changed.Fixed + changed.Broken + changed.OtherChanged} differently: " +
                           $"{changed.Fixed} fixed (serving wrong, candidate right), {changed.Broken} broken (serving right, candidate wrong), " +
                           $"{changed.OtherChanged} wrong either way.");
            if (changed.Sample.Count > 0)
                page.Table("A sample of changed answers (broken and fixed alternating)", ["request", "true intent", "serving", "candidate", ""],
                    changed.Sample.Select(a => (IEnumerable<string>)[Cell(a.Text), Cell(a.TrueIntent), Cell(a.ServingIntent), Cell(a.CandidateIntent),
                        Cell(a.CandidateIntent == a.TrueIntent ? "fixed" : a.ServingIntent == a.TrueIntent ? "broken" : "changed")]));
        }
        else page.Paragraph("The answers the candidate would change were not stored for this candidate.");

        page.Heading("Per-intent F1 change");
        var changes = evidence.F1Changes();
        if (F1ChangeChart.Svg(changes.Select(c => (c.Intent, c.Change)).ToArray()) is { } svg)
            page.Raw($"<figure><div role=\"img\" aria-label=\"{E($"F1 change per intent, {changes.Count} intents")}\">{svg}</div>" +
                     "<figcaption>F1 of the candidate minus F1 of the serving version, per intent, on the evaluation set.</figcaption></figure>");
        page.Table("F1 per intent", ["intent", "serving", "candidate", "change"],
            changes.Select(c => (IEnumerable<string>)[Cell(c.Intent), Number(c.Serving), Number(c.Candidate), Change(c.Change)]));

        page.Heading("Largest confusion changes");
        var confusions = evidence.ConfusionChanges(ConfusionRows);
        if (confusions.Count == 0) page.Paragraph("No confusion changed between the serving version and the candidate.");
        else
            page.Table("Requests of one intent taken for another (evaluation set)", ["true intent", "taken for", "serving", "candidate"],
                confusions.Select(c => (IEnumerable<string>)[Cell(c.Actual), Cell(c.Predicted), Number(c.Serving, "0"), Number(c.Candidate, "0")]));

        page.Heading("Alignment gate");
        if (evidence.Alignment is { } alignment) page.Raw(AlignmentTable(alignment));
        else page.Paragraph("The alignment gate's figures were not stored for this candidate.");

        page.Heading("What the candidate was trained on");
        if (evidence.Candidate?.TrainingSet is { } training)
            page.Table($"{training.Count} examples by source", ["source", "examples", "origins"],
                evidence.TrainingSources().Select(s => (IEnumerable<string>)[Cell(SourceName(s.Source)), Number(s.Examples, "0"), Number(s.Origins, "0")]));
        else page.Paragraph("The candidate's record is missing from the model registry.");

        page.Heading("LLM usage");
        var usage = evidence.Usage;
        page.Paragraph($"{usage.Calls} calls, {usage.Tokens} tokens ({usage.InputTokens} in, {usage.OutputTokens} out) " +
                       $"of a budget of {usage.TokenBudget}; cost {usage.Cost:0.######}.");
        if (usage.ByAgent.Count > 0)
            page.Table("By agent", ["agent", "calls", "tokens", "cost"],
                usage.ByAgent.Select(l => (IEnumerable<string>)[Cell(l.Name), Number(l.Calls, "0"), Number(l.InputTokens + l.OutputTokens, "0"), Number(l.Cost, "0.######")]));

        page.Heading("Phases so far");
        page.Raw("<ol>" + string.Concat(run.Log.Select(e => $"<li>{E(e.Phase.ToWire())} (attempt {e.Attempt}): {E(e.Detail)}</li>")) + "</ol>");

        page.Heading("Decide");
        page.Raw(Form(formAction, evidence.Hash));
        return page;
    }

    private static double Share(int count, int of) => of == 0 ? 0 : (double)count / of;

    /// <summary>The gate's figures as stored: known names in words, any other scalar (per-environment figures added later) under its own name.</summary>
    private static string AlignmentTable(JsonObject alignment)
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["distance"] = "D: candidate's distance from the constitution (bits)",
            ["alignedValue"] = "V′: candidate's aligned value",
            ["servingDistance"] = "D of the serving version (bits)",
            ["servingAlignedValue"] = "V′ of the serving version",
            ["maxDistance"] = "Largest D allowed (manifest)",
            ["passed"] = "Passed",
            ["reason"] = "Why",
        };
        var rows = new StringBuilder();
        foreach (var (name, value) in alignment)
        {
            if (name is "environments") continue; // a table of its own, below
            if (value is JsonObject { } interval && interval["lower"] is not null && interval["upper"] is not null)
            {
                rows.Append($"<tr><th scope=\"row\">{E(name is "interval" ? "Σ(candidate) − Σ(serving), paired bootstrap interval" : name)}</th>" +
                    $"<td>{E($"{Figure(interval["estimate"])} [{Figure(interval["lower"])}, {Figure(interval["upper"])}]")}</td></tr>");
                continue;
            }
            var text = value switch
            {
                JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture),
                JsonValue v => v.ToString(),
                null => "–",
                _ => value.ToJsonString(),
            };
            rows.Append($"<tr><th scope=\"row\">{E(names.GetValueOrDefault(name, name))}</th><td>{E(text)}</td></tr>");
        }
        return $"<table><caption>{E("The gate's verdict")}</caption><tbody>{rows}</tbody></table>" + EnvironmentTable(alignment["environments"] as JsonArray);
    }

    /// <summary>Per environment: its weight 2^(−K) and both versions' V, D (bits) and V′.</summary>
    private static string EnvironmentTable(JsonArray? environments)
    {
        if (environments is null || environments.Count == 0) return "";
        var rows = new StringBuilder();
        foreach (var environment in environments.OfType<JsonObject>())
            rows.Append("<tr>" + $"<th scope=\"row\">{E(environment["name"]?.ToString() ?? "–")}</th>" +
                string.Concat(new[] { "probes", "weight", "value", "servingValue", "distance", "servingDistance", "alignedValue", "servingAlignedValue" }
                    .Select(f => $"<td>{E(Figure(environment[f]))}</td>")) + "</tr>");
        return "<table><caption>Per environment (candidate beside serving)</caption><thead><tr><th scope=\"col\">environment</th>" +
            "<th scope=\"col\">probes</th><th scope=\"col\">weight</th><th scope=\"col\">V</th><th scope=\"col\">V serving</th>" +
            "<th scope=\"col\">D (bits)</th><th scope=\"col\">D serving</th><th scope=\"col\">V′</th><th scope=\"col\">V′ serving</th></tr></thead>" +
            $"<tbody>{rows}</tbody></table>";
    }

    private static string Figure(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<int>(out var i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture),
        null => "–",
        _ => value.ToString(),
    };

    private static string Form(string action, string evidenceHash) =>
        $"<form method=\"post\" action=\"{E(action)}\" enctype=\"application/x-www-form-urlencoded\">" +
        $"<input type=\"hidden\" name=\"{ApprovalForm.EvidenceField}\" value=\"{E(evidenceHash)}\">" +
        "<fieldset><legend>Decision</legend>" +
        "<input type=\"radio\" id=\"decision-approve\" name=\"decision\" value=\"approve\" required><label class=\"choice\" for=\"decision-approve\">Approve</label>" +
        "<input type=\"radio\" id=\"decision-reject\" name=\"decision\" value=\"reject\"><label class=\"choice\" for=\"decision-reject\">Reject</label>" +
        "</fieldset>" +
        $"<label for=\"approver\">Your name</label><input type=\"text\" id=\"approver\" name=\"approver\" required maxlength=\"{ApprovalForm.MaxApprover}\" autocomplete=\"name\">" +
        $"<label for=\"comment\">Comment (optional)</label><textarea id=\"comment\" name=\"comment\" rows=\"3\" maxlength=\"{ApprovalForm.MaxComment}\"></textarea>" +
        "<button type=\"submit\">Record decision</button>" +
        $"<p class=\"note\">Evidence {E(evidenceHash[..12])}…: the decision counts only while the run still shows this evidence.</p></form>";

    /// <summary>A provenance kind in words.</summary>
    private static string SourceName(string kind) => kind switch
    {
        "generator" => "pool (generated)",
        "file" => "pool (files)",
        "people" => "people (labelling queue)",
        "teacher" => "teacher LLM",
        "feedback" => "labelled traffic (feedback)",
        _ => kind,
    };

    private static IEnumerable<string> Row(string name, double? serving, double? candidate) =>
        [Cell(name), Number(serving), Number(candidate), serving is { } s && candidate is { } c ? Change(c - s) : "<td class=\"n\">–</td>"];

    /// <summary>What the form recorded.</summary>
    public static HtmlPage Recorded(string runId, ApprovalDecisionView decision) =>
        new HtmlPage($"Run {runId} {(decision.Approved ? "approved" : "rejected")}")
            .Paragraph($"Recorded: {(decision.Approved ? "approved" : "rejected")} by {decision.By}" + (decision.Comment is { Length: > 0 } c ? $" (\"{c}\")" : "") + ".")
            .Paragraph(decision.Approved ? "The run goes on to its trial on live traffic." : "The run ends; the serving version stays.")
            .Paragraph("You can close this page.", "note");

    /// <summary>The run was decided before (another tab, another person, or the timeout).</summary>
    public static HtmlPage AlreadyDecided(string runId, RecordedApproval standing, int status) =>
        new HtmlPage($"Run {runId} is already decided", status)
            .Paragraph(standing.TimedOut
                ? $"The approval window closed at {standing.DecidedAt.UtcDateTime:u} without a decision; the run was rejected."
                : $"It was {(standing.Decision.Approved ? "approved" : "rejected")} by {standing.Decision.By} at {standing.DecidedAt.UtcDateTime:u}. Each run takes one decision.");

    public static HtmlPage Message(string title, string text, int status) => new HtmlPage(title, status).Paragraph(text);
}

/// <summary>A decision as the pages word it.</summary>
public sealed record ApprovalDecisionView(bool Approved, string By, string? Comment);
