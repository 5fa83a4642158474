using System.Net;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SelfImprove.Hosting;

/// <summary>
/// The Durable Task engine without the Functions host: a gRPC sidecar (Durable Task's <see cref="TaskHubGrpcServer"/>)
/// on a free loopback port in front of any orchestration backend, plus the real .NET worker and client talking to it.
/// The backend decides durability: in-memory for the embedded default and tests, Azure Storage for the server.
/// The sidecar sees the backend through <see cref="ReconcilingOrchestrationService"/>, which drops the messages its
/// dispatcher cannot apply (a redelivered start, late work for a purged orchestration) instead of failing on them for ever.
/// </summary>
public sealed class DurableHost : IAsyncDisposable
{
    private readonly WebApplication sidecar;
    private readonly IHost worker;
    private readonly GrpcChannel channel;

    private DurableHost(WebApplication sidecar, IHost worker, GrpcChannel channel)
    {
        this.sidecar = sidecar;
        this.worker = worker;
        this.channel = channel;
    }

    public DurableTaskClient Client => worker.Services.GetRequiredService<DurableTaskClient>();

    /// <summary>
    /// The largest gRPC message between the worker and the sidecar, either way, in bytes (256 MiB): a work item (an
    /// orchestration's history, an activity's input) or a result (an orchestrator's actions, an activity's output).
    /// gRPC's default is 4 MiB on each side; a bigger message failed its call, the sidecar never heard back about the work
    /// item it had handed out, and the orchestration waited for ever.
    /// </summary>
    public const int MaxMessageBytes = 256 * 1024 * 1024;

    /// <summary>The worker's services: what activities are built from.</summary>
    public IServiceProvider Services => worker.Services;

    /// <param name="backend">Stores orchestration state and queues (must implement <see cref="IOrchestrationServiceClient"/> too).</param>
    /// <param name="tasks">Registers orchestrators and activities.</param>
    /// <param name="services">Registers what the activities need.</param>
    /// <param name="loggerFactory">Where the engine logs; warnings and errors only by default.</param>
    /// <param name="concurrency">Work items at once in this process; <see cref="EngineConcurrency.DefaultFor"/> the backend when null.</param>
    /// <exception cref="ArgumentException"><paramref name="concurrency"/> is out of range (names the setting).</exception>
    public static async Task<DurableHost> StartAsync(
        IOrchestrationService backend, Action<DurableTaskRegistry> tasks, Action<IServiceCollection> services,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default, EngineConcurrency? concurrency = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        concurrency ??= EngineConcurrency.DefaultFor(backend);
        concurrency.Validate();
        var sidecar = BuildSidecar(backend, loggerFactory, concurrency);
        await sidecar.StartAsync(cancellationToken);
        var address = sidecar.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = MaxMessageBytes,
            MaxSendMessageSize = MaxMessageBytes,
        });

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        QuietLifetime.Use(builder.Services);
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services(builder.Services);
        builder.Services.AddDurableTaskWorker(worker =>
        {
            // The sidecar sends no health pings: without this the worker would reconnect every two idle minutes.
            worker.UseGrpc(grpc =>
            {
                grpc.Channel = channel;
                grpc.SetSilentDisconnectTimeout(TimeSpan.Zero);
            });
            worker.AddTasks(tasks);
            worker.Configure(o =>
            {
                o.Concurrency.MaximumConcurrentActivityWorkItems = concurrency.Activities;
                o.Concurrency.MaximumConcurrentOrchestrationWorkItems = concurrency.Orchestrations;
            });
        });
        builder.Services.AddDurableTaskClient(client =>
        {
            client.UseGrpc(channel);
            client.RegisterDirectly();
        });
        var worker = builder.Build();
        await worker.StartAsync(cancellationToken);
        return new DurableHost(sidecar, worker, channel);
    }

    public async ValueTask DisposeAsync()
    {
        await worker.StopAsync();
        worker.Dispose();
        await channel.ShutdownAsync();
        channel.Dispose();
        await sidecar.StopAsync();
        await sidecar.DisposeAsync();
    }

    private static WebApplication BuildSidecar(IOrchestrationService backend, ILoggerFactory loggerFactory, EngineConcurrency concurrency)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        QuietLifetime.Use(builder.Services);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            // The worker and the client are this process on loopback, all on one HTTP/2 connection. Kestrel's minimum data
            // rates (240 bytes/s after a 5 s grace) guard a public server against slow clients; here a process whose thread
            // pool is busy with CPU-bound activities can be slow to read the work-item stream or a result, and on HTTP/2 a
            // violation aborts the whole connection: every call on it fails ("Connection reset by peer") and the sidecar
            // never hears back about the work items in flight, so their orchestrations wait for ever.
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
        });
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = MaxMessageBytes;
            grpc.MaxSendMessageSize = MaxMessageBytes;
        });
        // The sidecar's dispatcher applies whatever the backend hands out; the decorator first drops the messages that
        // DurableTask.Core's own dispatcher would (a redelivered start, results for a purged orchestration).
        builder.Services.AddSingleton<IOrchestrationService>(new ReconcilingOrchestrationService(backend, loggerFactory, concurrency));
        builder.Services.AddSingleton((IOrchestrationServiceClient)backend);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<TaskHubGrpcServer>();
        return app;
    }
}
