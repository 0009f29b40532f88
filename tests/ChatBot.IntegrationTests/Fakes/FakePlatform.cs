using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.IntegrationTests.Fakes;

/// <summary>
/// A small real server on a loopback port that plays a platform API. Faults queued with <see cref="Inject"/> are
/// served one per request before the real handling: an HTTP status, an error code, a slow answer or a dropped
/// connection.
/// </summary>
public abstract class FakePlatform : IAsyncDisposable
{
    private readonly ConcurrentQueue<Fault> _faults = new();
    private LoopbackServer? _server;

    public Uri BaseUrl { get; private set; } = null!;

    public int Requests => _requests;

    private int _requests;

    public void Inject(params Fault[] faults)
    {
        foreach (var fault in faults)
        {
            _faults.Enqueue(fault);
        }
    }

    public async Task StartAsync()
    {
        _server = await LoopbackServer.StartAsync(app =>
        {
            app.Use(Serve);
            Map(app);
        });
        BaseUrl = _server.Url;
    }

    /// <summary>Counts the request and serves the next queued fault, if any, before the platform's own handling.</summary>
    private async Task Serve(HttpContext context, RequestDelegate next)
    {
        Interlocked.Increment(ref _requests);
        if (_faults.TryDequeue(out var fault))
        {
            switch (fault.Kind)
            {
                case FaultKind.Status:
                    context.Response.StatusCode = fault.Value;
                    await context.Response.WriteAsync(fault.Body ?? "");
                    return;
                case FaultKind.Body:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(fault.Body!);
                    return;
                case FaultKind.Drop:
                    context.Abort();
                    return;
                case FaultKind.Slow:
                    await Task.Delay(fault.Value);
                    break;
                case FaultKind.DeliverThenDrop:
                    // The platform takes the message, then the connection dies before its answer: an unknown outcome.
                    var answer = context.Response.Body;
                    context.Response.Body = Stream.Null;
                    await next(context);
                    context.Response.Body = answer;
                    context.Abort();
                    return;
            }
        }

        await next(context);
    }

    protected abstract void Map(WebApplication app);

    protected static async Task<string> BodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public enum FaultKind
{
    Status,
    Body,
    Drop,
    Slow,
    DeliverThenDrop,
}

public sealed record Fault(FaultKind Kind, int Value = 0, string? Body = null)
{
    public static Fault Http(int status) => new(FaultKind.Status, status);

    public static Fault Json(string body) => new(FaultKind.Body, 0, body);

    public static Fault DropConnection { get; } = new(FaultKind.Drop);

    public static Fault Delay(int milliseconds) => new(FaultKind.Slow, milliseconds);

    public static Fault DeliveredThenDropped { get; } = new(FaultKind.DeliverThenDrop);
}
