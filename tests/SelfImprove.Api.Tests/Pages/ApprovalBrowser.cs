using Microsoft.Playwright;
using SelfImprove.Testing;

namespace SelfImprove.Api.Tests.Pages;

/// <summary>
/// A real headless Chromium (Debian's package, installed when missing: <see cref="Chromium"/>) driven by Playwright
/// through that executable; Playwright downloads no browser. Collects the pages' console messages (CSP refusals show there).
/// </summary>
public sealed class ApprovalBrowser : IAsyncDisposable
{
    /// <summary>When set (e.g. <c>docs/images</c>, relative to the repository), the approval page's screenshot is also written there.</summary>
    public const string ScreenshotsVariable = "SELFIMPROVE_SCREENSHOTS";

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private ApprovalBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context)
    {
        this.playwright = playwright;
        this.browser = browser;
        Context = context;
        context.Console += (_, message) => Console.Add(message.Text);
    }

    public IBrowserContext Context { get; }
    public List<string> Console { get; } = [];

    public static async Task<ApprovalBrowser> StartAsync()
    {
        var executable = await Chromium.EnsureInstalledAsync();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Root on the test machines: Chromium's sandbox needs user namespaces it may not have there.
            Args = ["--no-sandbox"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 1500 } });
        return new ApprovalBrowser(playwright, browser, context);
    }

    /// <summary>
    /// Opens the approval link, checks that the evidence is there, saves a screenshot (the test's output folder, and
    /// <see cref="ScreenshotsVariable"/>'s folder when set), approves with <paramref name="name"/> and waits for the
    /// recorded page. Returns the tab.
    /// </summary>
    public async Task<IPage> ApproveAsync(string runId, string link, string name, string comment)
    {
        var page = await Context.NewPageAsync();
        await page.GotoAsync(link);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Approve run {runId}?");
        await Assertions.Expect(page.Locator("figure svg")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Alignment gate" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("examples by source")).ToBeVisibleAsync();
        var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "approval-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        if (Environment.GetEnvironmentVariable(ScreenshotsVariable) is { Length: > 0 } folder)
        {
            var target = Path.Combine(RepositoryPaths.Root, folder);
            Directory.CreateDirectory(target);
            File.Copy(screenshot, Path.Combine(target, "approval-page.png"), overwrite: true);
        }

        await page.GetByLabel("Approve").CheckAsync();
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByLabel("Comment (optional)").FillAsync(comment);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Record decision" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Run {runId} approved");
        await Assertions.Expect(page.GetByText($"Recorded: approved by {name}")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("The run goes on to its trial")).ToBeVisibleAsync();
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
