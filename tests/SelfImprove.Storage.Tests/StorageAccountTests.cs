using Azure.Identity;

namespace SelfImprove.Storage.Tests;

/// <summary>
/// How the queue and blob clients sign in: a connection string (no credential), or the service URLs with
/// <see cref="DefaultAzureCredential"/> for the managed identity named; the settings' convention and the start-up checks.
/// No request reaches Azure.
/// </summary>
public sealed class StorageAccountTests
{
    private const string ClientId = "6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b";
    private static readonly (string, string, string, string) Names = ("--blob-url", "--queue-url", "--table-url", "--client-id");

    [Fact]
    public void A_connection_string_signs_in_with_its_key_and_no_token_credential()
    {
        var account = StorageAccount.FromConnectionString("UseDevelopmentStorage=true");

        Assert.False(account.UsesIdentity);
        Assert.Null(account.Credential);
        Assert.Equal("devstoreaccount1", account.Queue("jobs").AccountName);
        Assert.Empty(account.Validate(needsBlob: true, needsQueue: true, needsTable: true, Names));
    }

    [Fact]
    public void Service_urls_sign_in_with_DefaultAzureCredential_as_the_managed_identity_named()
    {
        var account = StorageAccount.FromUrls(new Uri("https://acct.blob.core.windows.net/"), new Uri("https://acct.queue.core.windows.net/"), null, ClientId);

        Assert.True(account.UsesIdentity);
        Assert.IsType<DefaultAzureCredential>(account.Credential);
        Assert.Same(account.Credential, account.Credential);
        Assert.Equal(ClientId, account.CredentialOptions().ManagedIdentityClientId);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net/training-jobs"), account.Queue("training-jobs").Uri);
        Assert.Equal(new Uri("https://acct.blob.core.windows.net/selfimprovehub"), account.Container("selfimprovehub").Uri);
        Assert.Equal("training-jobs", new AzureStorageTrainingQueue(account, "training-jobs").Name);
        Assert.Contains("managed identity " + ClientId, account.Describe());
        Assert.Empty(account.Validate(needsBlob: true, needsQueue: true, needsTable: false, Names));
    }

    [Fact]
    public void Without_a_client_id_the_credential_keeps_its_own_default()
    {
        var account = StorageAccount.FromUrls(new Uri("https://acct.blob.core.windows.net/"), new Uri("https://acct.queue.core.windows.net/"), null, " ");

        Assert.Null(account.ManagedIdentityClientId);
        Assert.Equal(new DefaultAzureCredentialOptions().ManagedIdentityClientId, account.CredentialOptions().ManagedIdentityClientId);
    }

    [Fact]
    public void Settings_follow_the_Functions_convention_and_urls_win_over_a_connection_string()
    {
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AzureWebJobsStorage__queueServiceUri"] = "https://acct.queue.core.windows.net/",
            ["AzureWebJobsStorage__clientId"] = ClientId,
        };

        var account = StorageAccount.FromSettings(settings.GetValueOrDefault)!;

        Assert.True(account.UsesIdentity);
        Assert.Equal((new Uri("https://acct.queue.core.windows.net/"), ClientId), (account.QueueServiceUri, account.ManagedIdentityClientId));
        Assert.False(StorageAccount.FromSettings(new Dictionary<string, string> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }.GetValueOrDefault)!.UsesIdentity);
        Assert.Null(StorageAccount.FromSettings(_ => null));
        var bad = Assert.Throws<ArgumentException>(() => StorageAccount.FromSettings(new Dictionary<string, string> { ["AzureWebJobsStorage__blobServiceUri"] = "acct.blob" }.GetValueOrDefault));
        Assert.StartsWith("AzureWebJobsStorage__blobServiceUri: 'acct.blob' is not an absolute URL", bad.Message);
    }

    [Fact]
    public void Start_up_checks_name_each_setting_a_token_cannot_use()
    {
        var account = StorageAccount.FromUrls(new Uri("http://acct.blob.core.windows.net/"), new Uri("https://acct.queue.core.windows.net/jobs?x=1"), null, "worker-identity");

        var problems = account.Validate(needsBlob: true, needsQueue: true, needsTable: true, Names);

        Assert.Collection(problems,
            p => Assert.StartsWith("--blob-url: 'http://acct.blob.core.windows.net/' must be https", p),
            p => Assert.StartsWith("--queue-url: 'https://acct.queue.core.windows.net/jobs?x=1' must be the service endpoint alone", p),
            p => Assert.StartsWith("--table-url: signing in with a token needs the table service URL", p),
            p => Assert.StartsWith("--client-id: 'worker-identity' is not a client id", p));
    }
}
