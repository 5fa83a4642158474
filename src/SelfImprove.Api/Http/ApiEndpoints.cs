using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Runs;

namespace SelfImprove.Api.Http;

/// <summary>The API as one route group under <c>/api</c> (the self-host maps it on Kestrel; the Functions app has one trigger per route).</summary>
public static class ApiEndpoints
{
    /// <summary>The API's handlers (after <c>AddSelfImproveLoop</c> and <c>AddRunClient</c>).</summary>
    public static IServiceCollection AddSelfImproveApi(this IServiceCollection services) => services
        .AddSingleton<ImprovementApi>().AddSingleton<Pages.ApprovalEvidenceReader>().AddSingleton<Pages.ApprovalPages>()
        .AddSingleton<Pages.AgentViewReader>().AddSingleton<Pages.RunViewReader>().AddSingleton<Pages.TeamPages>();

    /// <summary>The rate-limiter policy <see cref="MapSelfImproveApi"/> puts on the routes that need no key (the approval webhook).</summary>
    public const string AnonymousRateLimitPolicy = "selfimprove-anonymous";

    /// <param name="apiKey">Required on every route but the approval webhook (which its token authorises); null serves without a key.</param>
    /// <param name="limitAnonymousRoutes">
    /// Puts <see cref="AnonymousRateLimitPolicy"/> on the routes that need no key; the host registers the policy
    /// (<c>AddRateLimiter</c>) and calls <c>UseRateLimiter</c>.
    /// </param>
    public static IEndpointRouteBuilder MapSelfImproveApi(
        this IEndpointRouteBuilder app, ImprovementApi api, DurableTaskClient client, string? apiKey, bool limitAnonymousRoutes = false)
    {
        // One group; the key guards every route but the approval webhook, which the run's single-use token authorises.
        // Each route carries its body limit (BodyLimit), which Kestrel applies as the body arrives.
        var routes = app.MapGroup($"/{ApiRoutes.Prefix}");
        IEndpointFilter? key = apiKey is null ? null : new ApiKeyFilter(apiKey);
        RouteHandlerBuilder Keyed(RouteHandlerBuilder route, BodyLimit limit) =>
            key is null ? route.WithMetadata(limit) : route.WithMetadata(limit).AddEndpointFilter(key);

        Keyed(routes.MapPost(ApiRoutes.Runs, (HttpRequest request, string agentId) => api.StartRunAsync(request, agentId, client)), BodyLimit.StartRun);
        Keyed(routes.MapGet(ApiRoutes.Run, (HttpRequest request, string runId) => api.GetRunAsync(request, runId, client)), BodyLimit.None(ApiRoutes.Run));
        Keyed(routes.MapDelete(ApiRoutes.Run, (HttpRequest request, string runId) => api.PurgeAsync(request, runId, client)), BodyLimit.None(ApiRoutes.Run));
        Keyed(routes.MapPost(ApiRoutes.Terminate, (HttpRequest request, string runId) => api.TerminateAsync(request, runId, client)), BodyLimit.None(ApiRoutes.Terminate));
        Keyed(routes.MapPost(ApiRoutes.Event, (HttpRequest request, string runId, string eventName) => api.RaiseEventAsync(request, runId, eventName, client)), BodyLimit.Event);
        Keyed(routes.MapPost(ApiRoutes.Demonstrations, (HttpRequest request, string runId) => api.DemonstrateAsync(request, runId, client)), BodyLimit.Demonstrations);
        Keyed(routes.MapPost(ApiRoutes.Feedback, (HttpRequest request, string agentId) => api.FeedbackAsync(request, agentId)), BodyLimit.Feedback);
        Keyed(routes.MapPost(ApiRoutes.Predict, (HttpRequest request, string agentId) => api.PredictAsync(request, agentId)), BodyLimit.Predict);
        Keyed(routes.MapDelete(ApiRoutes.Subject, (HttpRequest request, string agentId, string subject) => api.EraseSubjectAsync(request, agentId, subject)), BodyLimit.None(ApiRoutes.Subject));
        Keyed(routes.MapGet(ApiRoutes.Versions, (HttpRequest request, string agentId) => api.VersionsAsync(request, agentId)), BodyLimit.None(ApiRoutes.Versions));
        Keyed(routes.MapGet(ApiRoutes.Deployments, (HttpRequest request, string agentId) => api.DeploymentsAsync(request, agentId)), BodyLimit.None(ApiRoutes.Deployments));
        Keyed(routes.MapPost(ApiRoutes.TrialStop, (HttpRequest request, string agentId) => api.StopTrialAsync(request, agentId)), BodyLimit.None(ApiRoutes.TrialStop));
        Keyed(routes.MapGet(ApiRoutes.Labelling, (HttpRequest request, string agentId) => api.LabellingAsync(request, agentId, client)), BodyLimit.None(ApiRoutes.Labelling));
        Keyed(routes.MapPost(ApiRoutes.LabellingItem, (HttpRequest request, string agentId, string itemId) => api.LabelAsync(request, agentId, itemId, client)), BodyLimit.Label);
        Keyed(routes.MapPost(ApiRoutes.Rollback, (HttpRequest request, string agentId) => api.RollbackAsync(request, agentId, client)), BodyLimit.None(ApiRoutes.Rollback));
        var approval = routes.MapPost(ApiRoutes.Approval, (HttpRequest request, string runId) => api.ApproveAsync(request, runId, client)).WithMetadata(BodyLimit.Approval);
        if (limitAnonymousRoutes) approval.RequireRateLimiting(AnonymousRateLimitPolicy);
        // The approval page: the same link, for a person's browser (its form posts back to the route above).
        var approvalPage = routes.MapGet(ApiRoutes.Approval, (HttpRequest request, string runId) =>
            api.ApprovalPages.ShowAsync(request, runId, client)).WithMetadata(BodyLimit.None(ApiRoutes.Approval));
        if (limitAnonymousRoutes) approvalPage.RequireRateLimiting(AnonymousRateLimitPolicy);

        // The team pages, under /ui.
        var pages = app.ServiceProvider.GetRequiredService<Pages.TeamPages>();
        var ui = app.MapGroup($"/{Pages.PageRoutes.Prefix}");
        app.MapGet($"/{Pages.PageRoutes.Prefix}", () => Results.Redirect($"/{Pages.PageRoutes.Prefix}/"));
        ui.MapGet("/", (HttpRequest request) => pages.IndexAsync(request));
        ui.MapGet(Pages.PageRoutes.Agent, (HttpRequest request, string agentId) => pages.AgentAsync(request, agentId, client));
        ui.MapGet(Pages.PageRoutes.Run, (HttpRequest request, string runId) => pages.RunAsync(request, runId, client));
        return app;
    }

    /// <summary>The Functions key check: header <c>x-functions-key</c> or query <c>code</c>, compared in constant time.</summary>
    private sealed class ApiKeyFilter(string key) : IEndpointFilter
    {
        private readonly byte[] expected = Encoding.UTF8.GetBytes(key);

        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var request = context.HttpContext.Request;
            var header = request.Headers[ApiRoutes.KeyHeader].FirstOrDefault();
            var query = request.Query[ApiRoutes.KeyQuery].FirstOrDefault();
            if (Matches(header) || Matches(query)) return await next(context);
            return ApiProblems.Problem(request, StatusCodes.Status401Unauthorized, "API key required",
                string.IsNullOrEmpty(header) && string.IsNullOrEmpty(query)
                    ? $"Send the server's key in the '{ApiRoutes.KeyHeader}' header (or the '{ApiRoutes.KeyQuery}' query parameter)."
                    : $"The key in {(string.IsNullOrEmpty(header) ? $"'{ApiRoutes.KeyQuery}'" : $"'{ApiRoutes.KeyHeader}'")} is not this server's key.");
        }

        private bool Matches(string? given) =>
            !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
    }
}
