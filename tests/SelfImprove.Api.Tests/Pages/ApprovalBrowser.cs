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
        await ScreenshotAsync(page, "approval-page.png");

        await page.GetByLabel("Approve").CheckAsync();
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByLabel("Comment (optional)").FillAsync(comment);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Record decision" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Run {runId} approved");
        await Assertions.Expect(page.GetByText($"Recorded: approved by {name}")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("The run goes on to its trial")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>
    /// Saves a screenshot of the whole page in the test's output folder (<c>screenshots/</c>, the test's artefacts), and in
    /// <see cref="ScreenshotsVariable"/>'s folder when set.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = name != "approval-page.png" });
        if (Environment.GetEnvironmentVariable(ScreenshotsVariable) is { Length: > 0 } folder)
        {
            var target = Path.Combine(RepositoryPaths.Root, folder);
            Directory.CreateDirectory(target);
            File.Copy(screenshot, Path.Combine(target, name), overwrite: true);
        }
    }

    /// <summary>Signs in on the team pages' sign-in form with <paramref name="key"/>, asking for <paramref name="page"/>; returns the tab on that page.</summary>
    public async Task<IPage> SignInAsync(Uri server, string page, string key)
    {
        var tab = await Context.NewPageAsync();
        await tab.GotoAsync(new Uri(server, page).ToString());
        await Assertions.Expect(tab.Locator("h1")).ToHaveTextAsync("Sign in");
        Assert.DoesNotContain(key, tab.Url);
        await tab.GetByLabel("Key").FillAsync(key);
        await tab.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
        await tab.WaitForURLAsync(new Uri(server, page).ToString());
        Assert.DoesNotContain(key, tab.Url);
        return tab;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
