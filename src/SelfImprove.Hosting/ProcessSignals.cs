using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SelfImprove.Hosting;

/// <summary>
/// A host lifetime that ignores the process's signals. The in-process engine, its sidecar and the HTTP server are
/// hosts inside one program; left to their default console lifetime each would catch SIGTERM and Ctrl+C, stop itself
/// in no particular order and swallow the signal, so the program would never end. The program that owns them listens
/// instead (<see cref="ProcessSignals"/>) and stops them in order.
/// </summary>
public sealed class QuietLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Replaces the host's default (console) lifetime.</summary>
    public static void Use(IServiceCollection services) => services.AddSingleton<IHostLifetime, QuietLifetime>();
}

/// <summary>SIGTERM, SIGINT (Ctrl+C) and SIGQUIT as one cancellation: what containers, systemd and a person at the terminal send to stop a process.</summary>
public sealed class ProcessSignals : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly PosixSignalRegistration[] registrations;

    public ProcessSignals()
    {
        registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            // The program ends itself once it has stopped cleanly; the runtime must not end it first.
            context.Cancel = true;
            Received = context.Signal;
            stop.Cancel();
        }))];
    }

    /// <summary>Cancelled when the first stop signal arrives.</summary>
    public CancellationToken Stopping => stop.Token;

    /// <summary>The signal that asked the process to stop, once one did.</summary>
    public PosixSignal? Received { get; private set; }

    public void Dispose()
    {
        foreach (var registration in registrations) registration.Dispose();
        stop.Dispose();
    }
}
