using System.Diagnostics;
using SelfImprove.Testing;
using SelfImprove.TestServer;

namespace SelfImprove.Server.Tests.Serving;

/// <summary>
/// <c>selfimprove serve</c> as a child process, with its stdout and stderr recorded, that a test can SIGKILL. The process
/// is the test host (tests/SelfImprove.TestServer): the same command line and server, plus the test's hold on training
/// (<see cref="HeldTrainingStep.HoldFileVariable"/>).
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process process;

    private ServeProcess(Process process, LineRecorder output, LineRecorder error)
    {
        this.process = process;
        Output = output;
        Error = error;
    }

    public LineRecorder Output { get; }
    public LineRecorder Error { get; }
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

    /// <param name="command">The sub-command: <c>serve</c>, or <c>train-worker</c>.</param>
    public static ServeProcess Start(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string command = "serve")
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SelfImprove.TestServer.dll"));
        start.ArgumentList.Add(command);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var output = new LineRecorder();
        var error = new LineRecorder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) error.Add(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServeProcess(process, output, error);
    }

    public Task WaitUntilListeningAsync() => WaitForLineAsync(SelfImproveServer.ReadyMarker, TimeSpan.FromMinutes(2));

    /// <summary>The first stdout line starting with <paramref name="prefix"/>; on timeout the error names what stderr said.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        try { return await Output.WaitForAsync(prefix, timeout: timeout); }
        catch (TimeoutException e) { throw new TimeoutException($"{e.Message}\nstderr:\n{string.Join("\n", Error.Lines.TakeLast(40))}"); }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>Sends a POSIX signal (e.g. SIGTERM, 15), as a container runtime or systemd does to stop a process.</summary>
    public void Signal(int signal)
    {
        if (Kill(process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException) { return false; }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) await KillAsync();
        process.Dispose();
    }
}
