using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace SelfImprove.Storage;

/// <summary>
/// How a process signs in to its Azure Storage account: a connection string (the account key, or Azurite locally), or the
/// account's service URLs (<c>https://{account}.blob.core.windows.net/</c>, <c>…queue…</c>, <c>…table…</c>) with a Microsoft Entra
/// token from <see cref="DefaultAzureCredential"/>, which in Azure is the managed identity named by
/// <see cref="ManagedIdentityClientId"/> (a user-assigned identity's client id; the system-assigned identity when null).
/// The same convention as Azure Functions' identity-based connections
/// (https://learn.microsoft.com/azure/azure-functions/functions-reference#configure-an-identity-based-connection):
/// <c>{name}__blobServiceUri</c>, <c>{name}__queueServiceUri</c>, <c>{name}__tableServiceUri</c>, <c>{name}__clientId</c>
/// (<see cref="FromSettings"/>). Check with <see cref="Validate"/> at start-up.
/// </summary>
public sealed class StorageAccount
{
    private readonly Lazy<TokenCredential?> credential;

    private StorageAccount() => credential = new Lazy<TokenCredential?>(() => UsesIdentity ? new DefaultAzureCredential(CredentialOptions()) : null);

    /// <summary>The connection string; null when the account is reached by its URLs with a token.</summary>
    public string? ConnectionString { get; private init; }

    /// <summary>The blob service's URL (with a token), e.g. <c>https://myaccount.blob.core.windows.net/</c>.</summary>
    public Uri? BlobServiceUri { get; private init; }

    /// <summary>The queue service's URL (with a token), e.g. <c>https://myaccount.queue.core.windows.net/</c>.</summary>
    public Uri? QueueServiceUri { get; private init; }

    /// <summary>The table service's URL (with a token); only the durable client needs it.</summary>
    public Uri? TableServiceUri { get; private init; }

    /// <summary>The client id (a GUID) of the user-assigned managed identity to sign in as; null: the credential chain's default.</summary>
    public string? ManagedIdentityClientId { get; private init; }

    /// <summary>Whether the account is reached with a Microsoft Entra token (URLs) rather than a connection string.</summary>
    public bool UsesIdentity => ConnectionString is null;

    /// <summary>The credential the clients sign in with: a <see cref="DefaultAzureCredential"/> with URLs; null with a connection string.</summary>
    public TokenCredential? Credential => credential.Value;

    /// <summary>An account reached with <paramref name="connectionString"/> (shared key or SAS; <c>UseDevelopmentStorage=true</c> for Azurite).</summary>
    public static StorageAccount FromConnectionString(string connectionString) => new() { ConnectionString = connectionString };

    /// <summary>An account reached by its service URLs with a token for <paramref name="managedIdentityClientId"/> (null: the default identity).</summary>
    public static StorageAccount FromUrls(Uri? blobServiceUri, Uri? queueServiceUri, Uri? tableServiceUri = null, string? managedIdentityClientId = null) => new()
    {
        BlobServiceUri = blobServiceUri, QueueServiceUri = queueServiceUri, TableServiceUri = tableServiceUri,
        ManagedIdentityClientId = string.IsNullOrWhiteSpace(managedIdentityClientId) ? null : managedIdentityClientId.Trim(),
    };

    /// <summary>
    /// The account configured under <paramref name="name"/> as Azure Functions reads it: <c>{name}__blobServiceUri</c> /
    /// <c>{name}__queueServiceUri</c> / <c>{name}__tableServiceUri</c> / <c>{name}__clientId</c> when any service URL is set
    /// (URLs win), otherwise the connection string <c>{name}</c>; null when neither is set.
    /// </summary>
    /// <param name="setting">Reads one setting (an environment variable, a configuration key); null or empty when unset.</param>
    /// <exception cref="ArgumentException">A service URL that is not an absolute URL (the message names the setting).</exception>
    public static StorageAccount? FromSettings(Func<string, string?> setting, string name = "AzureWebJobsStorage")
    {
        string? Read(string key) => setting(key) is { Length: > 0 } value ? value.Trim() : null;
        Uri? Url(string key) => Read(key) is not { } text ? null
            : Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri
            : throw new ArgumentException($"{key}: '{text}' is not an absolute URL; give the service endpoint, e.g. https://myaccount.blob.core.windows.net/.");
        var (blob, queue, table) = (Url($"{name}__blobServiceUri"), Url($"{name}__queueServiceUri"), Url($"{name}__tableServiceUri"));
        if (blob is not null || queue is not null || table is not null) return FromUrls(blob, queue, table, Read($"{name}__clientId"));
        return Read(name) is { } connection ? FromConnectionString(connection) : null;
    }

    /// <summary>
    /// The options <see cref="Credential"/> is built with: the managed identity's client id when one is given; otherwise the
    /// library's default (the <c>AZURE_CLIENT_ID</c> environment variable, or the system-assigned identity).
    /// </summary>
    public DefaultAzureCredentialOptions CredentialOptions()
    {
        var options = new DefaultAzureCredentialOptions();
        if (ManagedIdentityClientId is { } id) options.ManagedIdentityClientId = id;
        return options;
    }

    /// <summary>
    /// Every problem for a process that needs the services asked for, each naming the setting (<paramref name="names"/>: the
    /// option or variable a person sets for blob, queue, table and client id) and how to fix it; empty when usable. URLs must be
    /// https (Azure Storage takes a bearer token over TLS only) service endpoints with no path; a client id must be a GUID.
    /// </summary>
    public IReadOnlyList<string> Validate(bool needsBlob, bool needsQueue, bool needsTable, (string Blob, string Queue, string Table, string ClientId) names)
    {
        var problems = new List<string>();
        if (!UsesIdentity)
        {
            if (string.IsNullOrWhiteSpace(ConnectionString)) problems.Add("the storage connection string is empty; give one, or the account's service URLs.");
            return problems;
        }
        void Check(Uri? url, bool needed, string setting, string service)
        {
            if (url is null)
            {
                if (needed) problems.Add($"{setting}: signing in with a token needs the {service} service URL, e.g. https://myaccount.{service}.core.windows.net/.");
                return;
            }
            if (url.Scheme != Uri.UriSchemeHttps)
                problems.Add($"{setting}: '{url}' must be https: Azure Storage accepts a token over TLS only (for Azurite use a connection string).");
            if (url.AbsolutePath != "/" || url.Query.Length > 0)
                problems.Add($"{setting}: '{url}' must be the service endpoint alone (no container, queue or query), e.g. https://myaccount.{service}.core.windows.net/.");
        }
        Check(BlobServiceUri, needsBlob, names.Blob, "blob");
        Check(QueueServiceUri, needsQueue, names.Queue, "queue");
        Check(TableServiceUri, needsTable, names.Table, "table");
        if (ManagedIdentityClientId is { } id && !Guid.TryParse(id, out _))
            problems.Add($"{names.ClientId}: '{id}' is not a client id (a GUID such as 00000000-0000-0000-0000-000000000000); give the user-assigned identity's client id, or leave it unset for the default identity.");
        return problems;
    }

    /// <summary>The blob container <paramref name="name"/> of this account.</summary>
    /// <exception cref="InvalidOperationException">URLs without a blob service URL (<see cref="Validate"/> says so first).</exception>
    public BlobContainerClient Container(string name, BlobClientOptions? options = null) => UsesIdentity
        ? new BlobContainerClient(new Uri(Required(BlobServiceUri, "blob"), name), Credential, options)
        : new BlobContainerClient(ConnectionString, name, options);

    /// <summary>The queue <paramref name="name"/> of this account.</summary>
    /// <exception cref="InvalidOperationException">URLs without a queue service URL (<see cref="Validate"/> says so first).</exception>
    public QueueClient Queue(string name, QueueClientOptions? options = null) => UsesIdentity
        ? new QueueClient(new Uri(Required(QueueServiceUri, "queue"), name), Credential, options)
        : new QueueClient(ConnectionString, name, options);

    /// <summary>Where the account is, for logs: the blob endpoint and how it signs in, never a key.</summary>
    public string Describe() => UsesIdentity
        ? $"{BlobServiceUri?.Host ?? QueueServiceUri?.Host} with a Microsoft Entra token (DefaultAzureCredential{(ManagedIdentityClientId is { } id ? $", managed identity {id}" : "")})"
        : "the storage connection string";

    private static Uri Required(Uri? url, string service) =>
        url ?? throw new InvalidOperationException($"This storage account was given without its {service} service URL.");
}
