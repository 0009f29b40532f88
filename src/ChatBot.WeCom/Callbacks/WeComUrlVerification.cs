using System.Text;
using ChatBot.Core.Callbacks;
using ChatBot.Core.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatBot.WeCom.Callbacks;

/// <summary>
/// The GET check WeCom sends when the callback URL is saved: verify, decrypt <c>echostr</c>, and answer the
/// plaintext as the whole body — no quotes, BOM or newline — within 1 s (wecom.md §1, §6).
/// </summary>
internal static class WeComUrlVerification
{
    private static readonly UTF8Encoding NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static IResult Answer(HttpContext context, WeComCallbackVerifier verifier, string channel, ILogger logger, ChatBotMetrics metrics)
    {
        var query = WeComCallbackVerifier.ReadQuery(context.Request.Query, withEchostr: true);
        var opened = query is null ? WeComOpened.Reject(CallbackRejection.MissingParameter) : verifier.Open(query, query.Echostr!);
        if (opened.Rejection is { } rejection)
        {
            return WeComOpened.Refuse(rejection, channel, logger, metrics);
        }

        WeComLog.UrlVerified(logger, channel);
        return Results.Bytes(NoBom.GetBytes(opened.Plaintext!), "text/plain");
    }
}
