using System.Collections.Concurrent;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Replies;
using ChatBot.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// A reply route kind that no Core file knows — defined here, registered as a platform adapter registers its own —
/// goes through the real intake, the sealed Hangfire job (its route written and read back by its registered kind),
/// the tiny model and the answer job, to its sender.
/// </summary>
public sealed class NewRouteKindTests
{
    [Fact]
    public async Task A_route_kind_registered_outside_Core_is_answered_end_to_end()
    {
        var sender = new RoomSender();
        using var app = new ChatBotApp().WithServices(services =>
        {
            // The test's instance first: AddReplyRoute keeps an earlier sender for its kind, as for a recorder.
            services.AddKeyedSingleton<IReplySender>(RoomRoute.Kind, sender);
            services.AddReplyRoute<RoomRoute, RoomSender>(RoomRoute.Kind);
        });
        app.Start();

        var message = new InboundMessage(Platform.DingTalk, "bot-1", ChatKind.Group, "room-7", "lisi", null, "你好", "room-msg-1",
            new RoomRoute("room-7", Topic: 42), DateTimeOffset.UtcNow);
        var outcome = await app.Services.GetRequiredService<MessageIntake>().AcceptAsync(message, CancellationToken.None);
        Assert.Equal(IntakeOutcome.Accepted, outcome);

        await QuotaIntakeTests.WaitUntil(() => !sender.Sent.IsEmpty, 60);
        var (route, text) = Assert.Single(sender.Sent);

        // The route came back from the sealed envelope whole, as its own kind.
        Assert.Equal(new RoomRoute("room-7", 42), route);
        Assert.NotEmpty(text);
    }

    private sealed record RoomRoute(string Room, int Topic) : ReplyRoute
    {
        public const string Kind = "test-room";

        public override string SenderKey => Kind;
    }

    private sealed class RoomSender : ReplySender<RoomRoute>
    {
        public ConcurrentQueue<(RoomRoute Route, string Text)> Sent { get; } = new();

        protected override Task SendAsync(InboundMessage message, RoomRoute route, string text, CancellationToken cancellationToken)
        {
            Sent.Enqueue((route, text));
            return Task.CompletedTask;
        }
    }
}
