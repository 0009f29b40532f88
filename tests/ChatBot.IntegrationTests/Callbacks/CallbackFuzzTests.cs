using System.Text;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Callbacks;

/// <summary>
/// Thousands of random and mutated bodies, headers and query strings against every endpoint, over real HTTP:
/// never a 5xx, and never an intake of anything the platform did not sign. What is signed differs: WeCom signs
/// the <c>Encrypt</c> value and the query (not the XML envelope around it); DingTalk signs only the timestamp
/// header, not the body (dingtalk.md §2) — a body mutated under valid headers is, by protocol, authentic.
/// Seeded, so a failure reproduces.
/// </summary>
public sealed partial class CallbackFuzzTests : IDisposable
{
    private const int Rounds = 2400;
    private readonly ChatBotApp _app = new ChatBotApp().WithRecordingQueue();
    private readonly HttpClient _client;

    public CallbackFuzzTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Random_and_mutated_callbacks_never_cause_a_5xx_or_an_intake()
    {
        var random = new Random(20261123);
        var now = DateTimeOffset.UtcNow;
        SimulatedCallback[] seeds =
        [
            PlatformCallbacks.AiBot("seed-aibot", "你好 fuzz", now: now),
            PlatformCallbacks.AiBot("seed-group", "hi", group: "wrg", now: now),
            PlatformCallbacks.App("777", "你好 fuzz", now: now),
            PlatformCallbacks.DingTalk("seed-ding", "你好 fuzz", now: now),
        ];
        var statuses = new Dictionary<int, int>();
        var authenticIntakes = 0;
        for (var i = 0; i < Rounds; i++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            var mutated = Mutate(seed, random);
            var before = _app.Queue!.Queued.Count;
            var response = await _client.PostAsync(mutated);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            // The one deliberate 503: another body under a DingTalk header pair already used (a replay; a genuine
            // collision is retried by the platform with a fresh signature).
            var replayRefused = status == 503 && (await response.Content.ReadAsStringAsync()).Contains("signature_replayed", StringComparison.Ordinal);
            Assert.True(status < 500 || replayRefused, $"round {i}: {status} for a mutation of {seed.PathAndQuery}: "
                + string.Join(" / ", _app.Logs.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error).Select(l => l.Line[..Math.Min(l.Line.Length, 600)])));
            if (_app.Queue.Queued.Count > before)
            {
                Assert.True(mutated.PathAndQuery == seed.PathAndQuery && SignedPart(mutated) == SignedPart(seed),
                    $"round {i}: an intake from a callback whose signed part was altered ({seed.PathAndQuery})");
                authenticIntakes++;
            }
        }

        Assert.True(authenticIntakes <= Rounds / 4, $"{authenticIntakes} intakes: most mutations must be refused");
        Assert.True(statuses.Keys.Count >= 3, "the mutations should reach several rejection classes: " + string.Join(", ", statuses));
    }

    private static SimulatedCallback Mutate(SimulatedCallback seed, Random random)
    {
        var body = seed.Body.ToArray();
        var query = seed.PathAndQuery;
        var headers = new Dictionary<string, string>(seed.Headers);
        switch (random.Next(8))
        {
            case 0: // flip bytes of the body
                for (var k = 0; k < 1 + random.Next(8) && body.Length > 0; k++)
                {
                    body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 1: // truncate the body
                body = body[..random.Next(body.Length + 1)];
                break;
            case 2: // random bytes
                body = new byte[random.Next(0, 4096)];
                random.NextBytes(body);
                break;
            case 3: // random text that looks structured
                body = Encoding.UTF8.GetBytes(random.Next(3) switch
                {
                    0 => "{\"encrypt\":\"" + RandomBase64(random) + "\"}",
                    1 => "<xml><Encrypt><![CDATA[" + RandomBase64(random) + "]]></Encrypt></xml>",
                    _ => "{\"msgId\":\"" + random.Next() + "\",\"msgtype\":\"text\",\"text\":{\"content\":" + random.Next() + "}}",
                });
                break;
            case 4: // mutate a query character
                var chars = query.ToCharArray();
                var at = random.Next(chars.Length);
                const string Alphabet = "&=?%+/ aZ09\u4f60";
                chars[at] = Alphabet[random.Next(Alphabet.Length)];
                query = new string(chars);
                break;
            case 5: // drop or duplicate query parameters
                query = random.Next(2) == 0 ? query.Split('&')[0] : query + "&" + query[(query.IndexOf('?', StringComparison.Ordinal) + 1)..];
                break;
            case 6: // mangle headers
                foreach (var key in headers.Keys.ToList())
                {
                    headers[key] = random.Next(3) switch { 0 => "", 1 => RandomBase64(random), _ => headers[key] + "0" };
                }

                if (headers.Count == 0)
                {
                    body = body.Reverse().ToArray();
                }

                break;
            default: // re-sign nothing, but replace the ciphertext with another valid-looking one
                var text = Encoding.UTF8.GetString(body);
                body = Encoding.UTF8.GetBytes(text.Replace("encrypt\":\"", "encrypt\":\"" + RandomBase64(random)[..4], StringComparison.Ordinal)
                    .Replace("CDATA[", "CDATA[" + RandomBase64(random)[..4], StringComparison.Ordinal)
                    .Replace("\"msgId\":\"", "\"msgId\":\"x", StringComparison.Ordinal));
                if (seed.Headers.Count > 0)
                {
                    headers["sign"] = RandomBase64(random);
                }

                break;
        }

        return seed with { Body = body, PathAndQuery = query, Headers = headers };
    }

    /// <summary>What the platform's signature covers: WeCom's Encrypt value, DingTalk's signed headers.</summary>
    private static string SignedPart(SimulatedCallback callback)
    {
        if (callback.Headers.Count > 0)
        {
            return string.Join("|", callback.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Key + "=" + h.Value));
        }

        var match = EncryptValue().Match(Encoding.UTF8.GetString(callback.Body));
        return match.Success ? match.Groups[1].Value : "";
    }

    [System.Text.RegularExpressions.GeneratedRegex("(?:\"encrypt\":\"|<Encrypt><!\\[CDATA\\[)([A-Za-z0-9+/=]+)")]
    private static partial System.Text.RegularExpressions.Regex EncryptValue();

    private static string RandomBase64(Random random)
    {
        var bytes = new byte[random.Next(1, 200)];
        random.NextBytes(bytes);
        return Convert.ToBase64String(bytes);
    }
}
