using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using SelfImprove.Api.Http;
using SelfImprove.Api.Pages;
using static SelfImprove.Functions.HttpApiFunctions;

namespace SelfImprove.Functions;

/// <summary>
/// The team pages as HTTP triggers under the app's route prefix (<c>/api/ui/…</c>), calling the same handlers as
/// <c>serve</c>. They are anonymous to the Functions host: a browser cannot send a function key, so the shared handlers
/// check the sign-in session (the scoped keys of <c>SelfImprove:ApiKeys</c>) themselves.
/// </summary>
public sealed class PageFunctions(ImprovementApi api)
{
    [Function("PagesIndex")]
    public async Task<IActionResult> Index(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PageRoutes.Prefix)] HttpRequest request) =>
        new ResultAction(await api.TeamPages.IndexAsync(request));

    [Function("AgentPage")]
    public async Task<IActionResult> Agent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PageRoutes.Prefix + "/" + PageRoutes.Agent)] HttpRequest request, string agentId,
        [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.TeamPages.AgentAsync(request, agentId, client));

    [Function("RunPage")]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PageRoutes.Prefix + "/" + PageRoutes.Run)] HttpRequest request, string runId,
        [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.TeamPages.RunAsync(request, runId, client));

    [Function("SignInPage")]
    public IActionResult SignInPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PageRoutes.Prefix + "/" + PageRoutes.SignIn)] HttpRequest request) =>
        new ResultAction(api.TeamPages.Sessions.SignInPage(request));

    [Function("SignIn")]
    public async Task<IActionResult> SignIn(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PageRoutes.Prefix + "/" + PageRoutes.SignIn)] HttpRequest request) =>
        new ResultAction(await api.TeamPages.Sessions.SignInAsync(request));

    [Function("SignOut")]
    public IActionResult SignOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PageRoutes.Prefix + "/" + PageRoutes.SignOut)] HttpRequest request) =>
        new ResultAction(api.TeamPages.Sessions.SignOut(request));
}
