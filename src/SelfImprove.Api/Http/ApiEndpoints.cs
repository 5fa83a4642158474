using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Core;
using SelfImprove.Runs;

namespace SelfImprove.Api.Http;

/// <summary>The API as one route group under <c>/api</c> (the self-host maps it on Kestrel; the Functions app has one trigger per route).</summary>
public static class ApiEndpoints
{
    /// <summary>
    /// The API's handlers and the pages' (after <c>AddSelfImproveLoop</c> and <c>AddRunClient</c>), with the keys the host
    /// accepts (<see cref="ApiKeyRing"/>; the pages' sign-in checks them).
    /// </summary>
    public static IServiceCollection AddSelfImproveApi(this IServiceCollection services, ApiKeyRing keys) => services
        .AddSingleton(keys)
        .AddSingleton<ImprovementApi>().AddSingleton<Pages.ApprovalEvidenceReader>().AddSingleton<Pages.ApprovalPages>()
        .AddSingleton<Pages.AgentViewReader>().AddSingleton<Pages.RunViewReader>().AddSingleton<Pages.PageSessions>().AddSingleton<Pages.TeamPages>();

    /// <summary>The rate-limiter policy <see cref="MapSelfImproveApi"/> puts on the routes that need no key (the approval webhook, the sign-in form).</summary>
    public const string AnonymousRateLimitPolicy = "selfimprove-anonymous";

    /// <param name="keys">The keys; each route needs a key of at least its scope (the README's route table), except the approval webhook, which its token authorises.</param>
    /// <param name="limitAnonymousRoutes">
    /// Puts <see cref="AnonymousRateLimitPolicy"/> on the routes that need no key; the host registers the policy
    /// (<c>AddRateLimiter</c>) and calls <c>UseRateLimiter</c>.
    /// </param>
    public static IEndpointRouteBuilder MapSelfImproveApi(
        this IEndpointRouteBuilder app, ImprovementApi api, DurableTaskClient client, ApiKeyRing keys, bool limitAnonymousRoutes = false)
    {
        // One group; each route needs a key of its scope (labeller < operator < admin), but the approval webhook, which the
        // run's single-use token authorises. Each route carries its body limit (BodyLimit), which Kestrel applies as the body arrives.
        var routes = app.MapGroup($"/{ApiRoutes.Prefix}");
        RouteHandlerBuilder Keyed(RouteHandlerBuilder route, BodyLimit limit, ApiScope scope) =>
            keys.IsOpen ? route.WithMetadata(limit) : route.WithMetadata(limit).AddEndpointFilter(new ApiKeyFilter(keys, scope));

        Keyed(routes.MapPost(ApiRoutes.Runs, (HttpRequest request, string agentId) => api.StartRunAsync(request, agentId, client)), BodyLimit.StartRun, ApiScope.Operator);
        Keyed(routes.MapGet(ApiRoutes.Run, (HttpRequest request, string runId) => api.GetRunAsync(request, runId, client)), BodyLimit.None(ApiRoutes.Run), ApiScope.Labeller);
        Keyed(routes.MapGet(ApiRoutes.RunReport, (HttpRequest request, string runId) => api.TeamPages.RunReportAsync(request, runId, client)), BodyLimit.None(ApiRoutes.RunReport), ApiScope.Labeller);
        Keyed(routes.MapDelete(ApiRoutes.Run, (HttpRequest request, string runId) => api.PurgeAsync(request, runId, client)), BodyLimit.None(ApiRoutes.Run), ApiScope.Admin);
        Keyed(routes.MapPost(ApiRoutes.Terminate, (HttpRequest request, string runId) => api.TerminateAsync(request, runId, client)), BodyLimit.None(ApiRoutes.Terminate), ApiScope.Operator);
        Keyed(routes.MapPost(ApiRoutes.Event, (HttpRequest request, string runId, string eventName) => api.RaiseEventAsync(request, runId, eventName, client)), BodyLimit.Event, ApiScope.Operator);
        Keyed(routes.MapPost(ApiRoutes.TrainingCompleted, (HttpRequest request, string runId, string jobId) => api.TrainingCompletedAsync(request, runId, jobId, client)),
            BodyLimit.None(ApiRoutes.TrainingCompleted), ApiScope.Operator);
        Keyed(routes.MapPost(ApiRoutes.Demonstrations, (HttpRequest request, string runId) => api.DemonstrateAsync(request, runId, client)), BodyLimit.Demonstrations, ApiScope.Operator);
        Keyed(routes.MapPost(ApiRoutes.Feedback, (HttpRequest request, string agentId) => api.FeedbackAsync(request, agentId)), BodyLimit.Feedback, ApiScope.Operator);
        Keyed(routes.MapPost(ApiRoutes.Predict, (HttpRequest request, string agentId) => api.PredictAsync(request, agentId)), BodyLimit.Predict, ApiScope.Operator);
        Keyed(routes.MapDelete(ApiRoutes.Subject, (HttpRequest request, string agentId, string subject) => api.EraseSubjectAsync(request, agentId, subject)), BodyLimit.None(ApiRoutes.Subject), ApiScope.Admin);
        Keyed(routes.MapGet(ApiRoutes.Versions, (HttpRequest request, string agentId) => api.VersionsAsync(request, agentId)), BodyLimit.None(ApiRoutes.Versions), ApiScope.Labeller);
        Keyed(routes.MapGet(ApiRoutes.Deployments, (HttpRequest request, string agentId) => api.DeploymentsAsync(request, agentId)), BodyLimit.None(ApiRoutes.Deployments), ApiScope.Labeller);
        Keyed(routes.MapPost(ApiRoutes.TrialStop, (HttpRequest request, string agentId) => api.StopTrialAsync(request, agentId)), BodyLimit.None(ApiRoutes.TrialStop), ApiScope.Operator);
        Keyed(routes.MapGet(ApiRoutes.Labelling, (HttpRequest request, string agentId) => api.LabellingAsync(request, agentId, client)), BodyLimit.None(ApiRoutes.Labelling), ApiScope.Labeller);
        Keyed(routes.MapPost(ApiRoutes.LabellingItem, (HttpRequest request, string agentId, string itemId) => api.LabelAsync(request, agentId, itemId, client)), BodyLimit.Label, ApiScope.Labeller);
        Keyed(routes.MapPost(ApiRoutes.Rollback, (HttpRequest request, string agentId) => api.RollbackAsync(request, agentId, client)), BodyLimit.None(ApiRoutes.Rollback), ApiScope.Operator);
        var approval = routes.MapPost(ApiRoutes.Approval, (HttpRequest request, string runId) => api.ApproveAsync(request, runId, client)).WithMetadata(BodyLimit.Approval);
        if (limitAnonymousRoutes) approval.RequireRateLimiting(AnonymousRateLimitPolicy);
        // The approval page: the same link, for a person's browser (its form posts back to the route above).
        var approvalPage = routes.MapGet(ApiRoutes.Approval, (HttpRequest request, string runId) =>
            api.ApprovalPages.ShowAsync(request, runId, client)).WithMetadata(BodyLimit.None(ApiRoutes.Approval));
        if (limitAnonymousRoutes) approvalPage.RequireRateLimiting(AnonymousRateLimitPolicy);

        // The team pages under /ui: a person signs in once (a form post of the key) and the session cookie opens them;
        // the shared handlers check it (TeamPages.Scope), as on the Functions app.
        var pages = api.TeamPages;
        var ui = app.MapGroup($"/{Pages.PageRoutes.Prefix}");
        ui.MapGet("/", (HttpRequest request) => pages.IndexAsync(request));
        ui.MapGet(Pages.PageRoutes.Agent, (HttpRequest request, string agentId) => pages.AgentAsync(request, agentId, client));
        ui.MapGet(Pages.PageRoutes.Run, (HttpRequest request, string runId) => pages.RunAsync(request, runId, client));
        ui.MapGet(Pages.PageRoutes.SignIn, (HttpRequest request) => pages.Sessions.SignInPage(request));
        var signIn = ui.MapPost(Pages.PageRoutes.SignIn, (HttpRequest request) => pages.Sessions.SignInAsync(request));
        if (limitAnonymousRoutes) signIn.RequireRateLimiting(AnonymousRateLimitPolicy);
        ui.MapPost(Pages.PageRoutes.SignOut, (HttpRequest request) => pages.Sessions.SignOut(request));
        return app;
    }

    /// <summary>
    /// The key check: header <c>x-functions-key</c> or query <c>code</c>, compared in constant time; 401 without a key of
    /// the ring, 403 for a key whose scope is below the route's.
    /// </summary>
    private sealed class ApiKeyFilter(ApiKeyRing keys, ApiScope scope) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var request = context.HttpContext.Request;
            var header = request.Headers[ApiRoutes.KeyHeader].FirstOrDefault();
            var query = request.Query[ApiRoutes.KeyQuery].FirstOrDefault();
            var match = keys.Match(header) ?? keys.Match(query);
            if (match is { } key && key.Scope >= scope) return await next(context);
            // Refused before the body is read: the connection closes after the answer (ApiProblems.Unread).
            if (match is { } low)
                return ApiProblems.Unread(request, ApiProblems.Problem(request, StatusCodes.Status403Forbidden, "Key not allowed here",
                    $"The key '{low.Name}' has the scope '{low.Scope.ToWire()}'; {request.Method} on this route needs '{scope.ToWire()}' or above.",
                    new Dictionary<string, object?> { ["scope"] = low.Scope.ToWire(), ["requiredScope"] = scope.ToWire() }));
            return ApiProblems.Unread(request, ApiProblems.Problem(request, StatusCodes.Status401Unauthorized, "API key required",
                string.IsNullOrEmpty(header) && string.IsNullOrEmpty(query)
                    ? $"Send the server's key in the '{ApiRoutes.KeyHeader}' header (or the '{ApiRoutes.KeyQuery}' query parameter)."
                    : $"The key in {(string.IsNullOrEmpty(header) ? $"'{ApiRoutes.KeyQuery}'" : $"'{ApiRoutes.KeyHeader}'")} is not this server's key."));
        }
    }
}
