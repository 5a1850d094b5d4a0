"""Site polish: what makes the built pages lighter and the printed book whole, after the book
machinery (:mod:`cmac.book`) has built them. Nothing here changes a number or a chapter run."""
