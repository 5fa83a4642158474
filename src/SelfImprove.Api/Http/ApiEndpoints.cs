using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Runs;

namespace SelfImprove.Api.Http;

/// <summary>The API as one route group under <c>/api</c> (the self-host maps it on Kestrel; the Functions app has one trigger per route).</summary>
public static class ApiEndpoints
{
    /// <summary>The API's handlers (after <c>AddSelfImproveLoop</c> and <c>AddRunClient</c>).</summary>
    public static IServiceCollection AddSelfImproveApi(this IServiceCollection services) => services.AddSingleton<ImprovementApi>();

    /// <param name="apiKey">Required on every route but the approval webhook (which its token authorises); null serves without a key.</param>
    public static IEndpointRouteBuilder MapSelfImproveApi(this IEndpointRouteBuilder app, ImprovementApi api, DurableTaskClient client, string? apiKey)
    {
        // One group; the key guards every route but the approval webhook, which the run's single-use token authorises.
        var routes = app.MapGroup($"/{ApiRoutes.Prefix}");
        IEndpointFilter? key = apiKey is null ? null : new ApiKeyFilter(apiKey);
        RouteHandlerBuilder Keyed(RouteHandlerBuilder route) => key is null ? route : route.AddEndpointFilter(key);

        Keyed(routes.MapPost(ApiRoutes.Runs, (HttpRequest request, string agentId) => api.StartRunAsync(request, agentId, client)));
        Keyed(routes.MapGet(ApiRoutes.Run, (HttpRequest request, string runId) => api.GetRunAsync(request, runId, client)));
        Keyed(routes.MapDelete(ApiRoutes.Run, (HttpRequest request, string runId) => api.PurgeAsync(request, runId, client)));
        Keyed(routes.MapPost(ApiRoutes.Terminate, (HttpRequest request, string runId) => api.TerminateAsync(request, runId, client)));
        Keyed(routes.MapPost(ApiRoutes.Event, (HttpRequest request, string runId, string eventName) => api.RaiseEventAsync(request, runId, eventName, client)));
        Keyed(routes.MapPost(ApiRoutes.Demonstrations, (HttpRequest request, string runId) => api.DemonstrateAsync(request, runId, client)));
        Keyed(routes.MapPost(ApiRoutes.Feedback, (HttpRequest request, string agentId) => api.FeedbackAsync(request, agentId)));
        Keyed(routes.MapPost(ApiRoutes.Predict, (HttpRequest request, string agentId) => api.PredictAsync(request, agentId)));
        Keyed(routes.MapGet(ApiRoutes.Versions, (HttpRequest request, string agentId) => api.VersionsAsync(request, agentId)));
        Keyed(routes.MapPost(ApiRoutes.Rollback, (HttpRequest request, string agentId) => api.RollbackAsync(request, agentId, client)));
        routes.MapPost(ApiRoutes.Approval, (HttpRequest request, string runId) => api.ApproveAsync(request, runId, client));
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
