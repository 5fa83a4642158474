using System.Net;
using SelfImprove.Testing;

namespace SelfImprove.Server.Tests.Serving;

/// <summary><c>selfimprove serve</c> as a real process, stopped the way containers, systemd and people stop it.</summary>
public sealed class GracefulStopTests
{
    private const string Key = "stop-test-key-0123456789";
    private const int SigInt = 2;
    private const int SigTerm = 15;

    [Theory]
    [InlineData(SigTerm)]
    [InlineData(SigInt)]
    public async Task A_stop_signal_ends_the_server_in_order_with_exit_code_0_and_it_answers_no_more(int signal)
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m => ManifestFiles.UseSmallAgent(m));
        var port = FreePort.Next();
        await using var server = ServeProcess.Start(folder.Path,
            ["--urls", $"http://127.0.0.1:{port}", "--agents", agents.Path, "--store", folder.Combine("store"),
             "--cache", ManifestFiles.SharedEmbeddingCache, "--key", Key, "--stop-timeout", "20s"],
            new Dictionary<string, string>());
        await server.WaitUntilListeningAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);
        using (var before = await http.GetAsync("api/agents/support-router/versions"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        server.Signal(signal);

        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the server still ran 30 s after signal {signal}");
        Assert.Equal(0, server.ExitCode);
        Assert.Contains(server.Error.Lines, l => l.StartsWith("STOPPING on " + (signal == SigTerm ? "SIGTERM" : "SIGINT"), StringComparison.Ordinal));
        Assert.Contains("STOPPED", server.Error.Lines);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("api/agents/support-router/versions"));
    }
}
