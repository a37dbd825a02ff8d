#!/usr/bin/perl
# lint-err.pl FILE... - refuse err_set(E, ...) whose arguments read E's own
# text (E->msg, E->detail; E.msg for &E), and err_detail(E, ...) reading
# E's detail: they format into the very buffer such an argument points to
# (err_set() also clears detail first), which is undefined behaviour and in
# practice loses or repeats the cause.  err_prefix() adds context instead.
# Comments and string literals are blanked first; calls may span lines.
use strict;
use warnings;

my $bad = 0;
for my $f (@ARGV) {
    open(my $fh, '<', $f) or die "lint: $f: $!\n";
    my $src = do { local $/; <$fh> };
    close $fh;
    # blank comments and literals, keeping newlines so line numbers hold
    $src =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')}
             {(my $m = $1) =~ s/[^\n]/ /g; $m}gse;
    while ($src =~ /\b(err_set|err_detail)\s*\(/g) {
        my ($fn, $start) = ($1, pos($src));
        my $fields = $fn eq 'err_set' ? 'msg|detail' : 'detail';
        my ($depth, $i, $cur, @args) = (1, $start, '');
        while ($i < length($src)) {
            my $c = substr($src, $i++, 1);
            $depth++ if $c eq '(';
            $depth-- if $c eq ')';
            last if $depth == 0;
            if ($c eq ',' && $depth == 1) {
                push @args, $cur;
                $cur = '';
                next;
            }
            $cur .= $c;
        }
        push @args, $cur;
        s/\s+//g for @args;
        my $e = shift @args;
        next if $e eq '' || $e eq 'NULL';
        # &X -> X.msg; X -> X->msg
        my $own = $e =~ /^&\(?(.+?)\)?$/ ? qr/\Q$1\E\.(?:$fields)\b/
                                         : qr/\Q$e\E->(?:$fields)\b/;
        next unless grep { /(?<![\w.>])$own/ } @args;
        my $line = 1 + (substr($src, 0, $start) =~ tr/\n//);
        print STDERR "lint: $f:$line: $fn() reads its own error's text ($e): "
            . "use err_prefix()\n";
        $bad = 1;
    }
}
exit $bad;
