using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatBot.Bench;

/// <summary>The ack benchmark's peer: a bare Kestrel endpoint that reads the body and answers 200, nothing else.</summary>
internal static class BareServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var app = Loopback(int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture));
        foreach (var path in new[] { "/wecom/aibot/callback", "/dingtalk/callback" })
        {
            app.MapPost(path, async (HttpRequest request) =>
            {
                await request.Body.CopyToAsync(Stream.Null);
                return Results.Ok();
            });
        }
        await app.RunAsync();
        return 0;
    }

    /// <summary>A quiet Kestrel app on a loopback port: the bare peer, and the benches' stand-in gateways and webhooks.</summary>
    public static WebApplication Loopback(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        return builder.Build();
    }
}
