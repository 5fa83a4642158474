using SelfImprove.Server;
using SelfImprove.Testing;

namespace SelfImprove.Cli.Tests.Commands;

/// <summary><c>run</c>, <c>status</c>, <c>approve</c> and <c>terminate</c> against a real server on 127.0.0.1.</summary>
public sealed class RemoteCommandsTests : IAsyncLifetime
{
    private const string Key = "cli-test-key-0123456789";
    private readonly TempDirectory folder = new();
    private readonly LineRecorder serverOutput = new();
    private SelfImproveServer server = null!;
    private string url = "";

    public async Task InitializeAsync()
    {
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        url = $"http://127.0.0.1:{FreePort.Next()}";
        server = await SelfImproveServer.StartAsync(new ServerOptions
        {
            Urls = url, AgentsFolder = agents.Path, StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache, ApiKey = Key,
            // The agent's callers and annotators: its recorded stream, replayed through the API's own paths.
            Replay = true,
        }, serverOutput, services => services.UseSharedServingEmbeddings());
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        folder.Dispose();
    }

    [Fact]
    public async Task Run_wait_follows_the_run_that_approve_decides_and_exits_0_when_promoted()
    {
        var run = CliRunner.RunAsync("run", "--server", url, "--key", Key, "--agent", "support-router", "--reason", "drift seen", "--wait");
        var link = (await serverOutput.WaitForAsync("APPROVAL REQUIRED support-router-1 ")).Split(' ')[3];

        var status = await CliRunner.RunAsync("status", "--server", url, "--key", Key, "support-router-1");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("waiting for approval until", status.Output);
        var approve = await CliRunner.RunAsync("approve", link, "--approver", "ana", "--comment", "ok");
        Assert.Equal(0, approve.ExitCode);
        Assert.Contains("support-router-1 approved by ana", approve.Output);

        var followed = await run.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(0, followed.ExitCode);
        Assert.StartsWith($"started support-router-1 {url}/api/runs/support-router-1", followed.Output);
        Assert.Contains("approval   attempt 1", followed.Output);
        Assert.Contains("support-router-1 Promoted", followed.Output);

        var token = link[(link.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..];
        var again = await CliRunner.RunAsync("approve", "support-router-1", "--server", url, "--token", Uri.UnescapeDataString(token), "--approver", "bob");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("409 Already decided", again.Error);

        // The promotion ledger, newest first: the promotion with its run, approver and the trial's bounds, then the initial version.
        var history = await CliRunner.RunAsync("history", "--server", url, "--key", Key, "--agent", "support-router");
        Assert.Equal(0, history.ExitCode);
        var lines = history.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"promoted\s+v2 \(was v1\)  run support-router-1  approved by ana  by run  candidate − serving [+−]\d\.\d{3} \[", lines[0]);
        Assert.Matches(@"initial\s+v1  by ", lines[1]);

        // The run's report as one self-contained HTML file: the run page without links to the server.
        var html = Path.Combine(folder.Path, "support-router-1.html");
        var report = await CliRunner.RunAsync("report", "support-router-1", "--server", url, "--key", Key, "--html", html);
        Assert.Equal(0, report.ExitCode);
        var page = await File.ReadAllTextAsync(html);
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("<h1>Run support-router-1</h1>", page);
        Assert.Contains("promoted", page);
        Assert.Contains("approved by ana", System.Net.WebUtility.HtmlDecode(page), StringComparison.OrdinalIgnoreCase);
        foreach (var outside in new[] { "<script", "<link", "src=", "href=" }) Assert.DoesNotContain(outside, page);
        var unknown = await CliRunner.RunAsync("report", "support-router-9", "--server", url, "--key", Key, "--html", html);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("404", unknown.Error);
    }

    [Fact]
    public async Task Terminate_stops_a_run_and_a_missing_key_is_refused()
    {
        var started = await CliRunner.RunAsync("run", "--server", url, "--key", Key, "--agent", "support-router");
        Assert.Equal(0, started.ExitCode);
        await serverOutput.WaitForAsync("APPROVAL REQUIRED support-router-1 ");

        var refused = await CliRunner.RunAsync("terminate", "--server", url, "--key", "wrong-key-0123456789", "support-router-1");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("401", refused.Error);

        var terminated = await CliRunner.RunAsync("terminate", "--server", url, "--key", Key, "support-router-1", "--reason", "bad data");
        Assert.Equal(0, terminated.ExitCode);
        Assert.Contains("support-router-1 Terminated", terminated.Output);
    }

    [Fact]
    public async Task Remote_commands_read_the_key_from_a_key_file()
    {
        var keyFile = folder.Combine("api-key");
        await File.WriteAllTextAsync(keyFile, Key + "\n");

        var status = await CliRunner.RunAsync("status", "--server", url, "--key-file", keyFile, "support-router-9");
        Assert.Equal(2, status.ExitCode);
        Assert.Contains("404 Unknown run", status.Error); // past the key check: the key from the file was accepted

        var missing = await CliRunner.RunAsync("status", "--server", url, "--key-file", folder.Combine("nope"), "support-router-9");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--key-file", missing.Error);
    }
}
