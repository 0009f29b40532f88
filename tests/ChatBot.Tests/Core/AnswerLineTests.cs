using ChatBot.Core.Pipeline;

namespace ChatBot.Tests.Core;

public sealed class AnswerLineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Within_capacity_nobody_is_queued()
    {
        var line = new AnswerLine(2);
        var told = new List<int>();
        using var a = await line.EnterAsync(T0, "user1", p => Record(told, p), CancellationToken.None);
        using var b = await line.EnterAsync(T0.AddSeconds(1), "user2", p => Record(told, p), CancellationToken.None);
        Assert.Empty(told);
        Assert.Equal(0, line.Waiting);
    }

    [Fact]
    public async Task Waiters_reaching_the_line_out_of_order_are_told_true_places_in_arrival_order()
    {
        var line = new AnswerLine(1, TimeSpan.FromMilliseconds(300));
        var first = await line.EnterAsync(T0, "user3", _ => Task.CompletedTask, CancellationToken.None);
        var places = new Dictionary<string, int>();
        var served = new List<string>();

        // Four questions reach the line in another order than they arrived (workers pick jobs up concurrently).
        var waits = new List<Task>();
        foreach (var (name, second) in new[] { ("c", 3), ("a", 1), ("d", 4), ("b", 2) })
        {
            waits.Add(Wait(line, name, T0.AddSeconds(second), places, served));
        }

        await WaitUntil(() => Count(places) == 4);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3, ["d"] = 4 }, Snapshot(places));

        // One that arrived before all of them but reaches the line after they were told goes behind them: their
        // places stay true.
        waits.Add(Wait(line, "straggler", T0.AddSeconds(0.5), places, served));
        await WaitUntil(() => Count(places) == 5);
        Assert.Equal(5, Snapshot(places)["straggler"]);

        first.Dispose();
        await Task.WhenAll(waits);
        Assert.Equal(["a", "b", "c", "d", "straggler"], served);
        Assert.Equal(0, line.Waiting);
    }

    [Fact]
    public async Task A_waiter_whose_turn_comes_before_the_line_settles_is_not_told_at_all()
    {
        var line = new AnswerLine(1, TimeSpan.FromSeconds(5));
        var first = await line.EnterAsync(T0, "user4", _ => Task.CompletedTask, CancellationToken.None);
        var told = new List<int>();
        var queued = line.EnterAsync(T0.AddSeconds(1), "user5", p => Record(told, p), CancellationToken.None);
        await WaitUntil(() => line.Waiting == 1);

        first.Dispose();
        (await queued).Dispose();
        Assert.Empty(told);
    }

    [Fact]
    public async Task An_askers_second_question_waits_behind_their_first_while_other_askers_go_first()
    {
        var line = new AnswerLine(2, TimeSpan.FromMilliseconds(50), perUser: 1);
        var busy = await line.EnterAsync(T0, "other", _ => Task.CompletedTask, CancellationToken.None);
        var first = await line.EnterAsync(T0.AddSeconds(1), "hasty", _ => Task.CompletedTask, CancellationToken.None);
        var places = new Dictionary<string, int>();
        var served = new List<string>();

        // hasty's second question arrived before carol's, but hasty already has an answer in the making.
        var second = Wait(line, "hasty#2", T0.AddSeconds(2), places, served, user: "hasty");
        var carol = Wait(line, "carol", T0.AddSeconds(3), places, served);
        await WaitUntil(() => Count(places) == 1);
        await Task.Delay(200);
        // carol is told her place; hasty's second is told nothing while its own first holds it back.
        Assert.Equal(new Dictionary<string, int> { ["carol"] = 2 }, Snapshot(places));

        busy.Dispose(); // a sequence frees: carol takes it, not hasty's second
        await carol;
        Assert.Equal(["carol"], served);
        Assert.False(second.IsCompleted);

        first.Dispose(); // hasty's first is done: now the second goes
        await second;
        Assert.Equal(["carol", "hasty#2"], served);
        Assert.Equal(0, line.Waiting);
    }

    [Fact]
    public async Task With_room_for_two_an_asker_may_have_two_answers_in_the_making()
    {
        var line = new AnswerLine(3, TimeSpan.FromMilliseconds(50), perUser: 2);
        using var a = await line.EnterAsync(T0, "pair", _ => Task.CompletedTask, CancellationToken.None);
        using var b = await line.EnterAsync(T0.AddSeconds(1), "pair", _ => Task.CompletedTask, CancellationToken.None);
        var third = line.EnterAsync(T0.AddSeconds(2), "pair", _ => Task.CompletedTask, CancellationToken.None);
        using var other = await line.EnterAsync(T0.AddSeconds(3), "someone", _ => Task.CompletedTask, CancellationToken.None);

        Assert.False(third.IsCompleted);
        Assert.Equal(1, line.Waiting);
        a.Dispose();
        (await third).Dispose();
    }

    private static int Count(Dictionary<string, int> places)
    {
        lock (places)
        {
            return places.Count;
        }
    }

    private static Dictionary<string, int> Snapshot(Dictionary<string, int> places)
    {
        lock (places)
        {
            return new Dictionary<string, int>(places);
        }
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_line_and_the_turn_passes_on()
    {
        var line = new AnswerLine(1);
        var first = await line.EnterAsync(T0, "user6", _ => Task.CompletedTask, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var gone = line.EnterAsync(T0.AddSeconds(1), "user7", _ => Task.CompletedTask, cancel.Token);
        var served = new List<string>();
        var next = Wait(line, "next", T0.AddSeconds(2), [], served);
        await WaitUntil(() => line.Waiting == 2);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        Assert.Equal(1, line.Waiting);
        first.Dispose();
        await next;
        Assert.Equal(["next"], served);

        // Everyone is done: the whole capacity is free again.
        using var again = await line.EnterAsync(T0.AddSeconds(3), "user8", _ => throw new InvalidOperationException("not queued"), CancellationToken.None);
    }

    [Fact]
    public async Task A_failing_notice_gives_the_place_back()
    {
        var line = new AnswerLine(1);
        var first = await line.EnterAsync(T0, "user9", _ => Task.CompletedTask, CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => line.EnterAsync(T0.AddSeconds(1), "user10", _ => throw new InvalidOperationException("boom"), CancellationToken.None));
        Assert.Equal(0, line.Waiting);
        first.Dispose();
        first.Dispose(); // a second dispose must not free a second turn
        using var only = await line.EnterAsync(T0.AddSeconds(2), "user11", _ => Task.CompletedTask, CancellationToken.None);
        var told = new List<int>();
        var queued = line.EnterAsync(T0.AddSeconds(3), "user12", p => Record(told, p), CancellationToken.None);
        await WaitUntil(() => { lock (told) { return told.Count == 1; } });
        Assert.Equal([1], told);
        only.Dispose();
        (await queued).Dispose();
    }

    [Fact]
    public async Task Under_contention_never_more_than_capacity_generate()
    {
        var line = new AnswerLine(3);
        var (inside, most) = (0, 0);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            using var turn = await line.EnterAsync(T0.AddMilliseconds(i), $"user{i}", _ => Task.CompletedTask, CancellationToken.None);
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            await Task.Delay(5);
            Interlocked.Decrement(ref inside);
        })));
        Assert.Equal(3, most);
        Assert.Equal(0, line.Waiting);
    }

    private static async Task Wait(AnswerLine line, string name, DateTimeOffset arrived, Dictionary<string, int> places, List<string> served, string? user = null)
    {
        using var turn = await line.EnterAsync(arrived, user ?? name, p =>
        {
            lock (places)
            {
                places[name] = p;
            }

            return Task.CompletedTask;
        }, CancellationToken.None);
        lock (served)
        {
            served.Add(name);
        }
    }

    private static Task Record(List<int> told, int place)
    {
        told.Add(place);
        return Task.CompletedTask;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
