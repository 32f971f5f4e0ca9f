package io.loudp2p.examples;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code loudp2p} command line.
 *
 * <p>Errors a person can act on are printed as one line with a non-zero exit code, 2 when the
 * command line is wrong and 1 for everything else; the stack trace only with {@code --verbose}.
 */
@Command(
    name = "loudp2p",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "A peer-to-peer network that streams music.",
    subcommands = {IdentityCommand.class, ShareCommand.class, SearchCommand.class,
        StreamCommand.class, PlayCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** What {@code --version} prints, for every command. */
  static final String VERSION = "loudp2p 0.1.0-SNAPSHOT";
  /** gRPC and netty log through java.util.logging; held here so the level sticks. */
  private static final java.util.logging.Logger GRPC_LOGS = java.util.logging.Logger.getLogger("io.grpc");

  @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'demo'");
  }

  public static void main(String[] args) {
    // Library logs are for --verbose; a person sees one line per error otherwise.
    boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "error");
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    GRPC_LOGS.setLevel(verbose ? java.util.logging.Level.INFO : java.util.logging.Level.OFF);
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line and returns its exit code; used by {@link #main} and by tests. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    return commandLine(out, err).execute(args);
  }

  /** The command line, writing to {@code out} and {@code err}, with its error handling. */
  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    Main main = new Main();
    CommandLine cli = new CommandLine(main);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (e, args) -> {
          if (java.util.Arrays.asList(args).contains("--verbose")) {
            e.printStackTrace(err);
          }
          String message = e.getMessage() == null ? "bad command line" : e.getMessage().strip();
          int newline = message.indexOf('\n');
          err.println("loudp2p: " + (newline < 0 ? message : message.substring(0, newline)) + "; see '"
              + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
          err.flush();
          return UserError.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          boolean verbose = parseResult.hasMatchedOption("--verbose")
              || (parseResult.subcommand() != null
                  && parseResult.subcommand().hasMatchedOption("--verbose"));
          if (verbose) {
            e.printStackTrace(err);
          } else {
            err.println("loudp2p: " + (e instanceof UserError ? e.getMessage() : Await.message(e)));
          }
          err.flush();
          return e instanceof UserError u ? u.exitCode() : UserError.FAILURE;
        });
    return cli;
  }
}
