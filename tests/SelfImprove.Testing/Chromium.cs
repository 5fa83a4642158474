using System.Diagnostics;

namespace SelfImprove.Testing;

/// <summary>
/// Debian's <c>chromium</c> package, for the tests that drive a real headless browser. Installs it with
/// <c>apt-get update</c> and <c>apt-get install -y --no-install-recommends chromium</c> when it is missing (as root,
/// as on the project's machines and CI), under a lock file so parallel test processes install it once; says what to
/// do when it cannot. Browser builds are not downloaded: the package is the browser.
/// </summary>
public static class Chromium
{
    /// <summary>Where Debian's package puts the browser.</summary>
    public const string Executable = "/usr/bin/chromium";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>The browser's path, installing the package first if needed.</summary>
    /// <exception cref="InvalidOperationException">It is missing and apt-get could not install it (with apt-get's output).</exception>
    public static async Task<string> EnsureInstalledAsync()
    {
        if (File.Exists(Executable)) return Executable;
        await InstallGate.WaitAsync();
        try
        {
            using var installLock = await LockFileAsync(Path.Combine(Path.GetTempPath(), "selfimprove-chromium.install-lock"));
            if (File.Exists(Executable)) return Executable;
            var log = new List<string>();
            foreach (var arguments in new[] { "update", "install -y --no-install-recommends chromium" })
            {
                var (exit, output) = await RunAsync("apt-get", arguments);
                log.Add($"$ apt-get {arguments} (exit {exit})\n{output}");
                if (exit != 0) break;
            }
            if (!File.Exists(Executable))
                throw new InvalidOperationException(
                    $"The browser tests need Debian's 'chromium' package at {Executable}, and installing it failed. Install it as root " +
                    $"('apt-get update && apt-get install -y --no-install-recommends chromium'), then run the tests again.\n{string.Join("\n", log)}");
            return Executable;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string arguments)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" },
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{file} could not be started: {e.Message}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, Tail(await output + await error));
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];

    private static async Task<FileStream> LockFileAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
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
}
