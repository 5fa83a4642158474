using Microsoft.Playwright;
using SelfImprove.Testing;

namespace SelfImprove.Api.Tests.Pages;

/// <summary>
/// A person approves in a real headless Chromium (Debian's package, installed when missing), driven by Playwright over
/// that executable: the approval link from the run's notification, the evidence, the form, the run going on.
/// </summary>
public sealed class ApprovalBrowserTests
{
    /// <summary>When set (e.g. <c>docs/images</c>, relative to the repository), the screenshot is also written there.</summary>
    public const string ScreenshotsVariable = "SELFIMPROVE_SCREENSHOTS";

    [Fact]
    public async Task A_person_opens_the_printed_link_reads_the_evidence_approves_and_the_run_goes_on()
    {
        var executable = await Chromium.EnsureInstalledAsync();
        await using var api = await ApiServer.StartAsync();
        var runId = await api.StartRunAsync();
        await api.PollAsync(runId, ApiServer.WaitsForApproval);
        var link = await api.ApprovalLinkAsync(runId);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Root on the test machines: Chromium's sandbox needs user namespaces it may not have there.
            Args = ["--no-sandbox"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1000, Height = 900 } });
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);

        await page.GotoAsync(link);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Approve run {runId}?");
        await Assertions.Expect(page.Locator("figure svg")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Alignment gate")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("examples by source")).ToBeVisibleAsync();
        var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "approval-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        if (Environment.GetEnvironmentVariable(ScreenshotsVariable) is { Length: > 0 } folder)
        {
            var target = Path.Combine(RepositoryPaths.Root, folder);
            Directory.CreateDirectory(target);
            File.Copy(screenshot, Path.Combine(target, "approval-page.png"), overwrite: true);
        }

        await page.GetByLabel("Approve").CheckAsync();
        await page.GetByLabel("Your name").FillAsync("Ana Lima");
        await page.GetByLabel("Comment (optional)").FillAsync("the lost-card intents got better");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Record decision" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Run {runId} approved");
        await Assertions.Expect(page.GetByText("The run goes on to its trial")).ToBeVisibleAsync();

        // A second tab with the same link: the run is decided.
        var second = await context.NewPageAsync();
        await second.GotoAsync(link);
        await Assertions.Expect(second.Locator("h1")).ToHaveTextAsync($"Run {runId} is already decided");
        await Assertions.Expect(second.GetByText("approved by Ana Lima")).ToBeVisibleAsync();

        var done = await api.PollAsync(runId, ApiServer.Ended);
        Assert.Equal("Ana Lima", done["report"]!["approval"]!["by"]!.GetValue<string>());
        Assert.NotNull(done["report"]!["deployment"]);
        // The page asks for nothing the Content-Security-Policy refuses.
        Assert.DoesNotContain(console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }
}
