namespace SelfImprove.Cli.Tests.Commands;

/// <summary>The server-facing commands refuse bad input with a clear message and exit code 2.</summary>
public sealed class ServerCommandsTests
{
    [Fact]
    public async Task Serve_with_bad_options_says_what_to_fix_and_exits_2()
    {
        var result = await CliRunner.RunAsync("serve", "--urls", "http://127.0.0.1", "--monitor-every", "often");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--monitor-every: 'often' is not a duration", result.Error);
    }

    [Fact]
    public async Task Serve_names_the_backends_it_knows()
    {
        var result = await CliRunner.RunAsync("serve", "--backend", "sqlite", "--dev");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'sqlite'", result.Error);
        Assert.Contains("'memory'", result.Error);
        Assert.Contains("'azure-storage'", result.Error);
    }

    [Fact]
    public async Task Serve_without_a_key_refuses_to_start_unless_dev()
    {
        var result = await CliRunner.RunAsync("serve", "--urls", "http://127.0.0.1:7999");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--key", result.Error);
        Assert.DoesNotContain("LISTENING", result.Output);
    }

    [Fact]
    public async Task Serve_reads_the_key_from_a_file_names_a_missing_or_empty_one_and_its_help_prefers_it()
    {
        using var folder = new SelfImprove.Testing.TempDirectory();
        var missing = await CliRunner.RunAsync("serve", "--urls", "http://127.0.0.1:7999", "--key-file", folder.Combine("no-such-key"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--key-file", missing.Error);
        Assert.Contains("does not exist", missing.Error);

        var empty = folder.Combine("empty-key");
        await File.WriteAllTextAsync(empty, "\n");
        var emptyResult = await CliRunner.RunAsync("serve", "--urls", "http://127.0.0.1:7999", "--key-file", empty);
        Assert.Equal(2, emptyResult.ExitCode);
        Assert.Contains("is empty", emptyResult.Error);

        // A key read from the file passes to validation (here the short key and the rate limit are refused together).
        var shortKey = folder.Combine("short-key");
        await File.WriteAllTextAsync(shortKey, "  short  \nsecond line ignored\n");
        var refused = await CliRunner.RunAsync("serve", "--urls", "http://127.0.0.1:7999", "--key-file", shortKey, "--approval-rate-limit", "0");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--key: use at least 16 characters", refused.Error);
        Assert.Contains("--approval-rate-limit", refused.Error);

        var help = await CliRunner.RunAsync("serve", "--help");
        Assert.Contains("--key-file", help.Output);
        Assert.Contains("process list", help.Output);
    }

    [Fact]
    public async Task Approve_needs_the_link_from_the_approval_line()
    {
        var result = await CliRunner.RunAsync("approve", "support-router-1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("APPROVAL REQUIRED", result.Error);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_named()
    {
        var port = Testing.FreePort.Next();
        var result = await CliRunner.RunAsync("status", "--server", $"http://127.0.0.1:{port}", "support-router-1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"No answer from http://127.0.0.1:{port}/", result.Error);
    }

    [Fact]
    public async Task Demonstrate_names_the_line_of_a_bad_samples_file()
    {
        using var folder = new Testing.TempDirectory();
        var file = folder.Combine("samples.jsonl");
        File.WriteAllLines(file, ["{\"text\": \"my card is gone\", \"label\": \"card_lost_or_stolen\"}", "text,label"]);

        var result = await CliRunner.RunAsync("demonstrate", "--server", "http://127.0.0.1:1", "support-router-2", "--file", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("samples.jsonl:2: expected", result.Error);
    }
}
