using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Runs;
using SelfImprove.Api.Http;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;
using SelfImprove.Workflows.Steps;
using SelfImprove.Hosting;
using SelfImprove.Server;
using SelfImprove.Steps;
using SelfImprove.Testing;

namespace SelfImprove.Functions.Tests;

/// <summary>
/// The Functions app's function classes on a running durable engine: the orchestrator and activity functions are
/// registered by their <c>[Function]</c> names and invoked through their wrappers; HTTP functions are called with
/// a real <see cref="HttpRequest"/> and the engine's real <see cref="DurableTaskClient"/>, as the Functions host
/// would bind them.
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    public const string AgentId = "support-router";
    private readonly TempDirectory folder;
    private readonly DurableHost host;

    private FunctionsHost(TempDirectory folder, DurableHost host, RecordingNotifier approvals)
    {
        this.folder = folder;
        this.host = host;
        Approvals = approvals;
        Http = new HttpApiFunctions(host.Services.GetRequiredService<ImprovementApi>());
        Monitoring = new MonitoringFunctions(host.Services.GetRequiredService<RunClientFactory>(), TimerClock, new Microsoft.Extensions.Logging.Abstractions.NullLogger<MonitoringFunctions>(),
            new FunctionsSettings { Monitoring = new() { MaxRuns = 3, BatchSize = 10 } });
    }

    public DurableTaskClient Client => host.Client;
    public IServiceProvider Services => host.Services;
    public HttpApiFunctions Http { get; }
    public MonitoringFunctions Monitoring { get; }
    public RunClient Runs => host.Services.GetRequiredService<RunClient>();

    /// <summary>The monitoring timer's clock (the engine keeps real time): at 12:00:00 UTC, so the demo agent's quarter-hour schedule is due.</summary>
    public ManualClock TimerClock { get; } = new(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
    public RecordingNotifier Approvals { get; }

    public static async Task<FunctionsHost> StartAsync()
    {
        var folder = new TempDirectory();
        var manifest = ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m =>
        {
            ManifestFiles.UseSmallAgent(m, driftPoint: 0.4);
        }));
        var approvals = new RecordingNotifier();
        OrchestrationFunctions? functions = null;
        DurableTaskClient? client = null;
        var host = await DurableHost.StartAsync(
            DurableBackends.InMemory(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance),
            registry => RegisterFunctions(registry, () => functions!, () => client!),
            services =>
            {
                // What the Functions app registers (FunctionsServices), on the self-host's engine.
                services.AddSelfImproveLoop(loop =>
                {
                    loop.Agents = [manifest];
                    loop.StoreDirectory = folder.Combine("store");
                    loop.EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache;
                    loop.PublicBaseUrl = new Uri("https://selfimprove.example/");
                });
                services.AddRunClient();
                services.AddSelfImproveApi(ApiKeyRing.Create(null, null));
                services.AddSingleton<IApprovalNotifier>(approvals);
                // The agent's callers and annotators: its recorded stream, replayed as on `serve --replay`.
                services.AddSingleton<TrafficReplayer>();
                services.AddHostedService<ReplayService>();
                services.UseSharedServingEmbeddings();
            });
        functions = ActivatorUtilities.CreateInstance<OrchestrationFunctions>(host.Services);
        client = host.Client;
        await host.Services.GetRequiredService<InitialVersions>().EnsureAsync(AgentId, "test:initial");
        await host.Services.GetRequiredService<TrafficReplayer>().ReplayHistoryAsync(AgentId);
        return new FunctionsHost(folder, host, approvals);
    }

    /// <summary>Every <c>[Function]</c> with an orchestration or activity trigger, by its function name, invoking the wrapper.</summary>
    private static void RegisterFunctions(DurableTaskRegistry registry, Func<OrchestrationFunctions> functions, Func<DurableTaskClient> client)
    {
        foreach (var method in typeof(OrchestrationFunctions).GetMethods())
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function) continue;
            var parameters = method.GetParameters();
            if (parameters.Any(p => p.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null))
            {
                // The wrapper reads its input with GetInput<T>(); the worker deserializes it as the registration's input type,
                // which is the shared orchestrator's (the Functions host deserializes on GetInput instead).
                var input = typeof(Workflows.Monitoring.MonitorAgentOrchestrator).Assembly.GetTypes().Single(t => t.Name == function.Name).BaseType!.GetGenericArguments()[0];
                typeof(FunctionsHost).GetMethod(nameof(AddOrchestrator), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(input)
                    .Invoke(null, [registry, function.Name, (Func<TaskOrchestrationContext, Task<object?>>)(context => Await(Invoke(method, functions(), [context])))]);
                continue;
            }
            var trigger = parameters.Single(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null);
            typeof(FunctionsHost).GetMethod(nameof(AddActivity), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(trigger.ParameterType)
                .Invoke(null, [registry, function.Name, (Func<object?, Task<object?>>)(input => Await(Invoke(method, functions(),
                    parameters.Select(p => p == trigger ? input : p.ParameterType == typeof(DurableTaskClient) ? client() : null).ToArray())!))]);
        }
    }

    private static void AddOrchestrator<TInput>(DurableTaskRegistry registry, string name, Func<TaskOrchestrationContext, Task<object?>> invoke) =>
        registry.AddOrchestratorFunc<TInput, object?>(name, (context, _) => invoke(context));

    private static void AddActivity<TInput>(DurableTaskRegistry registry, string name, Func<object?, Task<object?>> invoke) =>
        registry.AddActivityFunc<TInput, object?>(name, (_, input) => invoke(input));

    private static object Invoke(MethodInfo method, object target, object?[] arguments)
    {
        try { return method.Invoke(target, arguments)!; }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static async Task<object?> Await(object task)
    {
        await (Task)task;
        return task.GetType().GetProperty("Result")!.GetValue(task);
    }

    /// <summary>Calls an HTTP function as the Functions host would: a request on https://selfimprove.example, the response read back.</summary>
    public static async Task<(int Status, JsonObject? Body, string? Location)> CallAsync(
        Func<HttpRequest, Task<IActionResult>> function, string path, object? body = null, string method = "POST")
    {
        var (status, text, headers) = await CallForTextAsync(function, path, body, method);
        return (status, text.Length == 0 ? null : JsonNode.Parse(text)!.AsObject(), headers.Location.FirstOrDefault());
    }

    /// <summary>Like <see cref="CallAsync"/>, for answers that are not JSON (the approval page): the status, the body as text, the headers.</summary>
    public static async Task<(int Status, string Body, IHeaderDictionary Headers)> CallForTextAsync(
        Func<HttpRequest, Task<IActionResult>> function, string path, object? body = null, string method = "POST")
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
        };
        var request = context.Request;
        request.Method = method;
        request.Scheme = "https";
        request.Host = new HostString("selfimprove.example");
        var question = path.IndexOf('?');
        request.Path = question < 0 ? path : path[..question];
        request.QueryString = question < 0 ? QueryString.Empty : new QueryString(path[question..]);
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web);
        request.Body = new MemoryStream(bytes);
        request.ContentLength = bytes.Length;
        request.ContentType = "application/json";
        var response = new MemoryStream();
        context.Response.Body = response;

        var result = await function(request);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        return (context.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()), context.Response.Headers);
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        folder.Dispose();
    }

    /// <summary>Keeps the approval links the app would post to its webhook.</summary>
    public sealed class RecordingNotifier : IApprovalNotifier
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<ApprovalNotice> notices = new();

        public IReadOnlyList<ApprovalNotice> Notices => notices.ToArray();

        public async Task<ApprovalNotice> NextAsync()
        {
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (notices.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(50);
            return Assert.Single(notices);
        }

        public Task NotifyAsync(ApprovalNotice notice, CancellationToken cancellationToken = default)
        {
            notices.Enqueue(notice);
            return Task.CompletedTask;
        }
    }
}
