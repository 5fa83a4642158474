using System.ClientModel;
using Azure.AI.OpenAI;
using Azure.Identity;
using Microsoft.Extensions.AI;
using OpenAI;
using SelfImprove.Core;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Agents.Llm;

/// <summary>One LLM deployment an agent talks to, as the manifest names it.</summary>
/// <param name="Kind"><c>azure-openai</c> or <c>openai-compatible</c>.</param>
/// <param name="Endpoint">The Azure OpenAI resource, or the OpenAI-compatible base URL (with <c>/v1</c>).</param>
/// <param name="Deployment">The Azure deployment, or the model name.</param>
/// <param name="Prices">Money per 1,000 input and output tokens.</param>
public sealed record LlmEndpoint(AgentKind Kind, Uri Endpoint, string Deployment, LlmPrices Prices)
{
    public const string OpenAIKeyVariable = "OPENAI_API_KEY";
    public const string AzureKeyVariable = "AZURE_OPENAI_API_KEY";

    /// <summary>What provenance and reports call it.</summary>
    public string Name => $"{Kind.ToWire()}/{Deployment}";

    public double Cost(long inputTokens, long outputTokens) => (inputTokens * Prices.InputPer1k + outputTokens * Prices.OutputPer1k) / 1000.0;

    /// <summary>From a manifest's kind, endpoint and deployment; the manifest validator has checked them.</summary>
    public static LlmEndpoint From(AgentKind kind, string? endpoint, string? deployment, LlmPrices prices, string jsonPath)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
            throw new InvalidOperationException($"{jsonPath}.endpoint: an absolute http(s) URL is needed for kind '{kind.ToWire()}'; got '{endpoint}'.");
        if (string.IsNullOrWhiteSpace(deployment))
            throw new InvalidOperationException($"{jsonPath}.deployment: the deployment or model name is needed for kind '{kind.ToWire()}'.");
        return new LlmEndpoint(kind, uri, deployment, prices);
    }

    /// <summary>
    /// The chat client: <see cref="AzureOpenAIClient"/> with <c>AZURE_OPENAI_API_KEY</c> or, without it,
    /// <see cref="DefaultAzureCredential"/>; or an OpenAI client on the base URL with <c>OPENAI_API_KEY</c>. Both
    /// use <paramref name="retry"/> and the options' network timeout. Keys are read, never logged or echoed.
    /// </summary>
    public IChatClient CreateClient(LlmClientOptions options, BoundedRetryPolicy retry)
    {
        switch (Kind)
        {
            case AgentKind.AzureOpenAI:
            {
                var azureOptions = new AzureOpenAIClientOptions { RetryPolicy = retry, NetworkTimeout = options.NetworkTimeout };
                var key = options.Environment(AzureKeyVariable);
                var client = string.IsNullOrEmpty(key)
                    ? new AzureOpenAIClient(Endpoint, new DefaultAzureCredential(), azureOptions)
                    : new AzureOpenAIClient(Endpoint, new ApiKeyCredential(key), azureOptions);
                return client.GetChatClient(Deployment).AsIChatClient();
            }
            case AgentKind.OpenAICompatible:
            {
                var key = options.Environment(OpenAIKeyVariable);
                if (string.IsNullOrEmpty(key))
                    throw new InvalidOperationException(
                        $"{OpenAIKeyVariable} is not set: the '{Kind.ToWire()}' endpoint {Endpoint} needs an API key. Local servers (Ollama, vLLM, Foundry Local) accept any placeholder, e.g. {OpenAIKeyVariable}=local.");
                var openAIOptions = new OpenAIClientOptions { Endpoint = Endpoint, RetryPolicy = retry, NetworkTimeout = options.NetworkTimeout };
                return new OpenAIClient(new ApiKeyCredential(key), openAIOptions).GetChatClient(Deployment).AsIChatClient();
            }
            default:
                throw new InvalidOperationException($"'{Kind.ToWire()}' is not an LLM kind; expected '{AgentKind.AzureOpenAI.ToWire()}' or '{AgentKind.OpenAICompatible.ToWire()}'.");
        }
    }
}
