using ChatBot.Bench;

// One verb a benchmark; bench/run runs them all, interleaved with their peers, and prints the table.
return args.FirstOrDefault() switch
{
    "inference" => await InferenceBench.RunAsync(args[1..]),
    "inference-llamasharp" => LlamaSharpBench.Run(args[1..]),
    "crowd" => await CrowdBench.RunAsync(args[1..]),
    "inference-reference" => await ReferenceBench.RunAsync(args[1..]),
    "ack" => await AckBench.RunAsync(args[1..]),
    "stream-ack" => await StreamAckBench.RunAsync(args[1..]),
    "soak" => await SoakBench.RunAsync(args[1..]),
    "recovery" => await RecoveryBench.RunAsync(args[1..]),
    "burst" => await BurstBench.RunAsync(args[1..]),
    "bare-server" => await BareServer.RunAsync(args[1..]),
    "screening" => ScreeningBench.Run(args[1..]),
    "quota" => await QuotaBench.RunAsync(args[1..]),
    "knowledge" => KnowledgeBench.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("ChatBot.Bench inference|ack|stream-ack|soak|recovery|burst|knowledge|bare-server|screening|quota [options] — see bench/run");
    return 2;
}
