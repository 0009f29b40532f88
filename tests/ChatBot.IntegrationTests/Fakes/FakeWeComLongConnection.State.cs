using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ChatBot.IntegrationTests.Fakes;

/// <summary>What the fake gateway keeps: each message callback it pushed, and each bot connection.</summary>
public sealed partial class FakeWeComLongConnection
{
    private sealed class Callback(int connectionId, string chatId)
    {
        public int ConnectionId => connectionId;

        public string ChatId => chatId;

        public string? StreamId { get; set; }

        public string Content { get; set; } = "";

        public bool Finished { get; set; }

        public DateTimeOffset? FirstFrame { get; set; }
    }

    /// <summary>A frame as a broken or hostile server might send it, to the current connection.</summary>
    public Task PushRawAsync(string frame) =>
        (_current is { Subscribed: true } current ? current : throw new InvalidOperationException("no subscribed connection")).SendTextAsync(frame);

    private sealed class Connection(int id, WebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public int Id => id;

        public WebSocket Socket => socket;

        public bool Subscribed { get; set; }

        public ConcurrentDictionary<string, bool> InFlight { get; } = new(StringComparer.Ordinal);

        public Task SendAsync(JsonNode frame) => SendTextAsync(frame.ToJsonString());

        public async Task SendTextAsync(string frame)
        {
            await _send.WaitAsync();
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }
        }
    }
}
