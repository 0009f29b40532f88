using ChatBot.Core.Messages;
using ChatBot.Core.Replies;

namespace ChatBot.Host.Demo;

/// <summary>
/// Section <c>Demo</c>: a local profile for a machine with no IM tenant yet. Generated keys turn every
/// channel on, are printed at start, and answers go to an in-memory outbox that <c>simulate</c> reads.
/// </summary>
internal static class DemoProfile
{
    public const string DefaultKeyFile = ".chatbot/demo-keys.json";

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue<bool>("Demo:Enabled");

    public static string KeyFile(IConfiguration configuration) => configuration["Demo:KeyFile"] is { Length: > 0 } file ? file : DefaultKeyFile;

    public static IHostApplicationBuilder AddDemoProfile(this IHostApplicationBuilder builder)
    {
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }

        var path = KeyFile(builder.Configuration);
        var keys = DemoKeys.LoadOrCreate(path);
        builder.Configuration.AddInMemoryCollection(keys.AsConfiguration());
        builder.Services.AddSingleton<DemoOutbox>();
        foreach (var key in ReplyRoute.SenderKeys)
        {
            builder.Services.AddKeyedSingleton<IReplySender, DemoReplySender>(key);
        }

        // Printed, not logged: these are throwaway local keys the admin needs to see, and logs hold metadata only.
        Console.WriteLine($"""
            ── ChatBot demo profile ─────────────────────────────────────────────
            No IM tenant needed: every channel is on with generated keys (kept in {path}).
              WeCom AI bot   Token={keys.WeComAiBotToken} EncodingAESKey={keys.WeComAiBotAesKey}
              WeCom app      CorpId={keys.WeComCorpId} AgentId={keys.WeComAgentId} Token={keys.WeComAppToken} EncodingAESKey={keys.WeComAppAesKey}
              DingTalk       ClientId={keys.DingTalkClientId} ClientSecret={keys.DingTalkClientSecret}
            Try it:  scripts/simulate --platform wecom-aibot --user alice --text "你好"
            Answers are not sent anywhere; simulate fetches them from this process's memory.
            ─────────────────────────────────────────────────────────────────────
            """);
        return builder;
    }

    public static IEndpointRouteBuilder MapDemo(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<DemoOutbox>() is not null)
        {
            // Loopback only: the outbox holds answers, and the demo is for the admin's own machine.
            app.MapGet("/demo/replies/{messageId}", (HttpContext context, string messageId, DemoOutbox outbox) =>
                context.Connection.RemoteIpAddress is { } ip && System.Net.IPAddress.IsLoopback(ip)
                    ? outbox.Take(messageId) is { } text ? Results.Text(text) : Results.NoContent()
                    : Results.StatusCode(StatusCodes.Status403Forbidden));
        }

        return app;
    }
}
