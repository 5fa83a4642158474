using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using SelfImprove.Api.Http;

namespace SelfImprove.Api.Pages;

/// <summary>
/// The approval page's form as posted: <c>application/x-www-form-urlencoded</c> (UTF-8) with <c>decision</c>
/// (<c>approve</c> | <c>reject</c>), <c>approver</c>, <c>comment</c> and the hidden <see cref="EvidenceField"/>, under the
/// approval route's body limit (<see cref="BodyLimit.Approval"/>).
/// </summary>
public sealed record ApprovalForm(string? Decision, string? Approver, string? Comment, string? Evidence)
{
    public const string MediaType = "application/x-www-form-urlencoded";
    public const string EvidenceField = "evidence";
    public const int MaxApprover = 100;
    public const int MaxComment = 2000;

    /// <summary>Whether the request declares a form body (with at most a UTF-8 <c>charset</c>).</summary>
    public static bool IsForm(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase)
        && media.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase) && p.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads the form: 413 (as an HTML page) for a body over the limit, from its <c>Content-Length</c> before anything is
    /// read or after at most limit + 1 bytes.
    /// </summary>
    public static async Task<(ApprovalForm? Form, IResult? Problem)> ReadAsync(HttpRequest request)
    {
        var limit = BodyLimit.Approval;
        var tooLarge = ApprovalPage.Message("Decision too large", $"The form takes at most {limit.MaxBytes} bytes; shorten the comment.", StatusCodes.Status413PayloadTooLarge);
        if (request.ContentLength > limit.MaxBytes) return (null, ApiProblems.Unread(request, tooLarge));
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size
            && (size.MaxRequestBodySize is null || size.MaxRequestBodySize > limit.MaxBytes))
            size.MaxRequestBodySize = limit.MaxBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit.MaxBytes) return (null, ApiProblems.Unread(request, tooLarge));
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, ApiProblems.Unread(request, tooLarge));
        }
        var fields = await new FormReader(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).ReadFormAsync();
        string? Field(string name) => fields.TryGetValue(name, out var value) ? value.ToString() : null;
        return (new ApprovalForm(Field("decision"), Field("approver"), Field("comment"), Field(EvidenceField)), null);
    }

    /// <summary>What is wrong with the form, one line per field; empty when it can be recorded.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Decision is not ("approve" or "reject")) problems.Add("Decision: choose approve or reject.");
        if (string.IsNullOrWhiteSpace(Approver) || Approver.Trim().Length > MaxApprover) problems.Add($"Your name: required, 1–{MaxApprover} characters.");
        if (Comment is { Length: > MaxComment }) problems.Add($"Comment: at most {MaxComment} characters.");
        if (string.IsNullOrEmpty(Evidence)) problems.Add("The form lacks the evidence it was shown with: open the approval link again and decide on that page.");
        return problems;
    }
}
