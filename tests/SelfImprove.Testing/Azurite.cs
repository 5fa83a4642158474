using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SelfImprove.Testing;

/// <summary>
/// A private Azurite (the Azure Storage emulator, pinned in the repository's package.json) on free loopback ports,
/// in-memory, for one test class or run. Installs it with <c>npm ci</c> when node_modules lacks it, so the
/// test command works on a fresh machine that has node and npm.
/// </summary>
public sealed partial class Azurite : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account (public, the same in every installation).</summary>
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private readonly Process process;

    private Azurite(Process process, IReadOnlyDictionary<string, int> ports)
    {
        this.process = process;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
            $"BlobEndpoint=http://127.0.0.1:{ports["Blob"]}/{Account};QueueEndpoint=http://127.0.0.1:{ports["Queue"]}/{Account};" +
            $"TableEndpoint=http://127.0.0.1:{ports["Table"]}/{Account};";
    }

    public string ConnectionString { get; }

    public static async Task<Azurite> StartAsync()
    {
        var executable = await EnsureInstalledAsync();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", "0", "--queueHost", "127.0.0.1", "--queuePort", "0",
                     "--tableHost", "127.0.0.1", "--tablePort", "0", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose",
                 })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");

        // Azurite prints "Azurite Blob service is successfully listening at http://127.0.0.1:PORT" per service.
        var ports = new Dictionary<string, int>();
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (ports.Count < 3)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null) break;
            seen.Add(line);
            if (Listening().Match(line) is { Success: true } match) ports[match.Groups[1].Value] = int.Parse(match.Groups[2].Value);
        }
        if (ports.Count < 3)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"Azurite did not start: {string.Join(Environment.NewLine, seen)}{await process.StandardError.ReadToEndAsync()}");
        }
        // Keep draining its output so it never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return new Azurite(process, ports);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
    }

    private static async Task<string> EnsureInstalledAsync()
    {
        var executable = Path.Combine(RepositoryPaths.Root, "node_modules", ".bin", "azurite");
        await InstallGate.WaitAsync();
        // Test assemblies run in parallel processes: a lock file keeps two of them from running npm in one folder.
        using var installLock = await LockFileAsync(Path.Combine(RepositoryPaths.Root, "node_modules.install-lock"));
        try
        {
            if (File.Exists(executable)) return executable;
            var install = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund")
            {
                WorkingDirectory = RepositoryPaths.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("npm is needed to install Azurite (see package.json).");
            var output = install.StandardOutput.ReadToEndAsync();
            var error = install.StandardError.ReadToEndAsync();
            await install.WaitForExitAsync();
            if (install.ExitCode != 0 || !File.Exists(executable))
                throw new InvalidOperationException($"'npm ci' could not install Azurite (exit {install.ExitCode}): {await output}{await error}");
            return executable;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<FileStream> LockFileAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service (?:is )?successfully (?:listening at|listens on) http://127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
