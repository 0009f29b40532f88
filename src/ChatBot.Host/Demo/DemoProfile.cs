using ChatBot.Core.Knowledge;
using ChatBot.Core.Messages;
using ChatBot.Core.Replies;

namespace ChatBot.Host.Demo;

/// <summary>
/// Section <c>Demo</c>: a local profile for a machine with no IM tenant yet. Generated keys turn every
/// channel on, are printed at start, and answers go to an in-memory outbox that <c>simulate</c> reads.
/// </summary>
internal static class DemoProfile
{
    /// <summary>On <c>/demo/replies/{id}</c>: whether the text is the whole answer or the stream so far.</summary>
    public const string DemoAnswerFinishedHeader = "X-Demo-Answer-Finished";

    public static bool IsEnabled(IConfiguration configuration) => DemoOptions.From(configuration).Enabled;

    public static string KeyFile(IConfiguration configuration) => DemoOptions.From(configuration).KeyFile;

    /// <summary>
    /// In the demo profile every channel answers into the <see cref="DemoOutbox"/>. Called after the adapters: it
    /// covers every route kind they registered, and the last sender registered for a kind is the one resolved.
    /// </summary>
    public static IHostApplicationBuilder AddDemoReplies(this IHostApplicationBuilder builder)
    {
        if (IsEnabled(builder.Configuration))
        {
            foreach (var key in builder.Services.ReplyRouteKinds().SenderKeys)
            {
                builder.Services.AddKeyedSingleton<IReplySender, DemoReplySender>(key);
            }
        }

        return builder;
    }

    /// <summary>
    /// Generated keys for every channel, as configuration: called before the adapters, which read their settings
    /// when they register.
    /// </summary>
    public static IHostApplicationBuilder AddDemoProfile(this IHostApplicationBuilder builder)
    {
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }

        var path = KeyFile(builder.Configuration);
        var keys = DemoKeys.LoadOrCreate(path);
        builder.Configuration.AddInMemoryCollection(keys.AsConfiguration());
        AddGatewayForLongConnections(builder, keys);
        var sample = UseSampleDocuments(builder);
        builder.Services.AddSingleton<DemoOutbox>();

        // Printed, not logged: these are throwaway local keys the admin needs to see, and logs hold metadata only.
        Console.WriteLine($"""
            ── ChatBot demo profile ─────────────────────────────────────────────
            No IM tenant needed: every channel is on with generated keys (kept in {path}).
              WeCom AI bot   Token={keys.WeComAiBotToken} EncodingAESKey={keys.WeComAiBotAesKey}
              WeCom app      CorpId={keys.WeComCorpId} AgentId={keys.WeComAgentId} Token={keys.WeComAppToken} EncodingAESKey={keys.WeComAppAesKey}
              DingTalk       ClientId={keys.DingTalkClientId} ClientSecret={keys.DingTalkClientSecret}
            Try it:  scripts/simulate --platform wecom-aibot --user alice --text "你好"
            {(sample ? $"Policy questions are answered from the public sample in {SampleDocuments} (your own documents go to config/knowledge/):\n  scripts/simulate --platform wecom-app --user bob --text \"刚入职要参加什么培训\"" : "Policy questions are answered from your documents in Knowledge:Folder.")}
            Answers are not sent anywhere; simulate fetches them from this process's memory.
            ─────────────────────────────────────────────────────────────────────
            """);
        return builder;
    }

    /// <summary>The public sample's documents, shipped in the repository for the demo.</summary>
    public const string SampleDocuments = "samples/knowledge-sample/docs";

    /// <summary>
    /// With no documents of the admin's own, the demo indexes the public sample, so a policy question can be tried
    /// at once; a folder with documents in it always wins. Only here: production never indexes the sample.
    /// </summary>
    // Set as a setting (not an option's value): the knowledge base binds it, as it would the admin's own folder.
    private const string FolderKey = KnowledgeOptions.Section + ":" + nameof(KnowledgeOptions.Folder);

    private static bool UseSampleDocuments(IHostApplicationBuilder builder)
    {
        var folder = builder.Configuration[FolderKey] is { Length: > 0 } configured ? configured : new KnowledgeOptions().Folder;
        if ((Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any()) || !Directory.Exists(SampleDocuments))
        {
            return false;
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [FolderKey] = SampleDocuments });
        return true;
    }

    /// <summary>Port of the demo's stand-in gateway for long-connection modes (simulate pushes through it).</summary>
    public static int GatewayPort(IConfiguration configuration) => DemoOptions.From(configuration).GatewayPort;

    public static bool StreamMode(IConfiguration configuration, string modeKey, string longMode) =>
        string.Equals(configuration[modeKey], longMode, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A channel set to a long-connection mode connects, in the demo, to a loopback gateway in this process instead
    /// of DingTalk or WeCom, so the modes run exactly as in production and <c>simulate</c> can push through them.
    /// </summary>
    private static void AddGatewayForLongConnections(IHostApplicationBuilder builder, DemoKeys keys)
    {
        var dingTalkStream = StreamMode(builder.Configuration, "DingTalk:Mode", "Stream");
        var weComLong = StreamMode(builder.Configuration, "WeCom:AiBot:Mode", "LongConnection");
        if (!dingTalkStream && !weComLong)
        {
            return;
        }

        var port = GatewayPort(builder.Configuration);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DingTalk:ApiBaseUrl"] = dingTalkStream ? DemoGateway.BaseUrl(port).ToString() : null,
            ["WeCom:AiBot:LongConnectionUrl"] = weComLong ? $"ws://127.0.0.1:{port}/wecom" : null,
            ["WeCom:AiBot:BotId"] = weComLong ? "aibdemo" : null,
            ["WeCom:AiBot:Secret"] = weComLong ? keys.WeComAiBotToken : null,
        }.Where(e => e.Value is not null));
        builder.Services.AddSingleton(new DemoGateway(port, keys.DingTalkClientId, "aibdemo"));
        builder.Services.AddHostedService(provider => provider.GetRequiredService<DemoGateway>());
    }

    public static IEndpointRouteBuilder MapDemo(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<DemoOutbox>() is not null)
        {
            // Loopback only: the outbox holds answers, and the demo is for the admin's own machine.
            app.MapGet("/demo/replies/{messageId}", (HttpContext context, string messageId, DemoOutbox outbox) =>
            {
                if (context.Connection.RemoteIpAddress is not { } ip || !System.Net.IPAddress.IsLoopback(ip))
                {
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                if (outbox.Read(messageId) is not { } reply)
                {
                    return Results.NoContent();
                }

                context.Response.Headers[DemoAnswerFinishedHeader] = reply.Finished ? "true" : "false";
                return Results.Text(reply.Text);
            });
        }

        return app;
    }
}
