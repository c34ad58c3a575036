using MriCs.Cli;

return CommandRouter.Run(args, CommandTable.All, Console.Out, Console.Error);
