using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Dom.Events;
using AngleSharp.Html.Parser;
using Microsoft.Playwright;
using SelfImprove.Api.Pages;
using SelfImprove.Storage;
using SelfImprove.Steps;

namespace SelfImprove.Api.Tests.Pages;

/// <summary>
/// The approval page over real Kestrel: what a person's browser gets on the approval link, and what its form does,
/// in a real headless Chromium (<see cref="ApprovalBrowser"/>). One run serves every check: reaching approval costs
/// the replayed stream's seconds.
/// </summary>
public sealed class ApprovalPageTests
{
    [Fact]
    public async Task A_person_opens_the_printed_link_in_a_browser_reads_the_evidence_and_approves_only_what_the_page_showed()
    {
        await using var api = await ApiServer.StartAsync();
        var runId = await api.StartRunAsync();
        await api.PollAsync(runId, ApiServer.WaitsForApproval);
        var link = await api.ApprovalLinkAsync(runId);

        // A wrong token gets the webhook's 403, word for word, and no page.
        var forged = $"api/runs/{runId}/approval?token={new string('A', 43)}";
        using (var wrongGet = await api.Anonymous.GetAsync(forged))
        using (var wrongPost = await api.Anonymous.PostAsJsonAsync(forged, new { decision = "approve", approver = "eve" }))
        {
            Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (wrongGet.StatusCode, wrongPost.StatusCode));
            Assert.Equal((await ApiServer.ProblemAsync(wrongPost))["detail"]!.ToString(), (await ApiServer.ProblemAsync(wrongGet))["detail"]!.ToString());
        }

        var (page, first) = await GetPageAsync(api, link);
        Assert.Equal($"Approve run {runId}?", page.QuerySelector("h1")!.TextContent);
        var text = page.Body!.TextContent;
        foreach (var expected in new[] { runId, ApiServer.AgentId, "v2", "Decide before (UTC)", "Alignment gate", "D: candidate's distance from the constitution (bits)", "V′ of the serving version", "examples by source", "pool (generated)", "LLM usage", "What changes for users", "recent labelled requests", "fixed (serving wrong, candidate right)" })
            Assert.Contains(expected, text);
        // The changed answers a person can read: each row names the request, the truth and both answers, which differ.
        var changedRows = page.QuerySelectorAll("table").Single(t => t.QuerySelector("caption")!.TextContent.StartsWith("A sample of changed answers")).QuerySelectorAll("tbody tr");
        Assert.InRange(changedRows.Length, 1, 12);
        Assert.All(changedRows, r => Assert.NotEqual(r.Children[2].TextContent, r.Children[3].TextContent));
        var chart = page.QuerySelector("figure svg");
        Assert.NotNull(chart);
        Assert.NotEmpty(chart!.QuerySelectorAll("rect"));
        Assert.Empty(page.QuerySelectorAll("script"));
        var evidence = first.Evidence;
        Assert.Matches("^[0-9a-f]{64}$", evidence);

        // Every field a person fills in has a label.
        var fields = page.QuerySelectorAll("form input:not([type=hidden]), form textarea").ToArray();
        Assert.Equal(4, fields.Length);
        foreach (var field in fields)
            Assert.NotNull(page.QuerySelector($"label[for='{field.Id}']"));

        // A page opened in the browser before the candidate's figures changed cannot approve what it did not show: its
        // form is refused (409), and nothing is recorded. Opened again, the page shows the figures as they are; a person
        // approves there, and a name with markup is recorded and shown as text.
        const string name = "Ana <script>alert('ana')</script>";
        (string Action, string Evidence) fresh;
        await using (var browser = await ApprovalBrowser.StartAsync())
        {
            var stale = await browser.Context.NewPageAsync();
            await stale.GotoAsync(link);
            await Assertions.Expect(stale.Locator("h1")).ToHaveTextAsync($"Approve run {runId}?");
            var alignmentFile = Path.Combine(api.StorePath, StoreLayout.VersionAlignment(ApiServer.AgentId, "v2"));
            var alignment = JsonNode.Parse(await File.ReadAllTextAsync(alignmentFile))!.AsObject();
            alignment["distance"] = alignment["distance"]!.GetValue<double>() + 0.01;
            await File.WriteAllTextAsync(alignmentFile, alignment.ToJsonString());
            await stale.GetByLabel("Approve").CheckAsync();
            await stale.GetByLabel("Your name").FillAsync("ana");
            await stale.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Record decision" }).ClickAsync();
            await Assertions.Expect(stale.Locator("h1")).ToHaveTextAsync("The evidence has changed");
            Assert.True(ApiServer.WaitsForApproval(await api.StatusAsync(runId)), "a refused decision must leave the run waiting");
            Assert.False(File.Exists(Path.Combine(api.StorePath, "runs", runId, "approval", "decision.json")));

            (_, fresh) = await GetPageAsync(api, link);
            Assert.NotEqual(evidence, fresh.Evidence);
            var tab = await browser.ApproveAsync(runId, link, name, "the lost-card intents got better");
            // A second tab with the same link: the run is decided.
            var second = await browser.Context.NewPageAsync();
            await second.GotoAsync(link);
            await Assertions.Expect(second.Locator("h1")).ToHaveTextAsync($"Run {runId} is already decided");
            await Assertions.Expect(second.GetByText($"approved by {name}")).ToBeVisibleAsync();
            Assert.Equal(0, await tab.Locator("script").CountAsync());

            // The team pages need a sign-in (the key once, in a form); the agent page draws the goal metric over time.
            var agentPage = await browser.SignInAsync(api.Server.BaseAddress, $"ui/agents/{ApiServer.AgentId}", ApiServer.Key);
            await Assertions.Expect(agentPage.Locator("h1")).ToHaveTextAsync($"Agent {ApiServer.AgentId}");
            var history = agentPage.Locator("figure svg");
            await Assertions.Expect(history).ToBeVisibleAsync();
            foreach (var series in new[] { MetricHistoryChart.Observed, MetricHistoryChart.Validation, MetricHistoryChart.Range })
                await Assertions.Expect(history.GetByText(series)).ToHaveCountAsync(1);
            Assert.True(await history.Locator("path, polyline, line").CountAsync() > 0, "the chart has no drawn series");
            await Assertions.Expect(agentPage.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = runId }).First).ToBeVisibleAsync();
            await ApprovalBrowser.ScreenshotAsync(agentPage, "agent-page.png");
            // The run page, from the agent page's list: the timeline, and who approved (as text).
            await agentPage.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = runId }).First.ClickAsync();
            await Assertions.Expect(agentPage.Locator("h1")).ToHaveTextAsync($"Run {runId}");
            await ApprovalBrowser.ScreenshotAsync(agentPage, "run-page.png");
            await Assertions.Expect(agentPage.Locator("p", new PageLocatorOptions { HasTextString = $"Approved by {name} at" })).ToBeVisibleAsync();
            var timeline = agentPage.Locator("table", new PageLocatorOptions { HasTextString = "steps with their times" });
            await Assertions.Expect(timeline.Locator("tr", new LocatorLocatorOptions { HasTextString = "approval link sent" })).Not.ToHaveCountAsync(0);
            await Assertions.Expect(timeline.Locator("tr", new LocatorLocatorOptions { HasTextString = "candidate v2 trained" })).ToHaveCountAsync(1);
            Assert.Equal(0, await agentPage.Locator("script").CountAsync());
            Assert.DoesNotContain(browser.Console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        }

        // The same form sent again (a tab left open) learns who decided; nothing changes.
        using (var again = await PostFormAsync(api, fresh.Action, "reject", "bob", null, fresh.Evidence))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            AssertPageHeaders(again);
            var answer = await ParseAsync(again);
            Assert.Contains("is already decided", answer.QuerySelector("h1")!.TextContent);
            Assert.Empty(answer.QuerySelectorAll("script"));
            Assert.Contains($"approved by {name}", answer.Body!.TextContent);
        }

        var done = await api.PollAsync(runId, ApiServer.Ended);
        Assert.Equal(name, done["report"]!["approval"]!["by"]!.GetValue<string>());
        Assert.NotNull(done["report"]!["deployment"]);
        var decision = StoreJson.Deserialize<RecordedApproval>(await File.ReadAllBytesAsync(Path.Combine(api.StorePath, "runs", runId, "approval", "decision.json")), "decision");
        Assert.Equal(fresh.Evidence, decision.Decision.Evidence);
    }

    /// <summary>GETs the page, checks its headers and that it parses without an error, and returns it with its form's action and evidence.</summary>
    private static async Task<(IHtmlDocument Page, (string Action, string Evidence) Form)> GetPageAsync(ApiServer api, string link)
    {
        using var response = await api.Anonymous.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPageHeaders(response);
        var page = await ParseAsync(response);
        var form = page.QuerySelector("form") as IHtmlFormElement;
        Assert.NotNull(form);
        Assert.Equal("post", form!.Method);
        Assert.Equal(ApprovalForm.MediaType, form.Enctype);
        var action = form.GetAttribute("action")!;
        Assert.StartsWith($"/api/runs/", action);
        return (page, (action, ((IHtmlInputElement)page.QuerySelector($"input[name={ApprovalForm.EvidenceField}]")!).Value));
    }

    private static Task<HttpResponseMessage> PostFormAsync(ApiServer api, string action, string decision, string approver, string? comment, string evidence) =>
        api.Anonymous.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["decision"] = decision, ["approver"] = approver, ["comment"] = comment ?? "", [ApprovalForm.EvidenceField] = evidence,
        }));

    private static void AssertPageHeaders(HttpResponseMessage response)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.DoesNotContain("script-src", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
    }

    /// <summary>Parses the page as a browser would, failing on any HTML parse error.</summary>
    private static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        var parser = new HtmlParser();
        var errors = new List<string>();
        parser.Error += (_, e) => errors.Add(e is HtmlErrorEvent error
            ? $"{error.Message} at {error.Position}: …{html.Substring(Math.Max(0, error.Position.Position - 120), Math.Min(160, html.Length - Math.Max(0, error.Position.Position - 120)))}…"
            : e.Type);
        var document = await parser.ParseDocumentAsync(html);
        Assert.True(errors.Count == 0, $"HTML parse errors: {string.Join("; ", errors)}");
        return document;
    }
}
